import { and, desc, eq } from "drizzle-orm";
import type { Database } from "../client.ts";
import { messages, outbox } from "../schema/messages.ts";
import { recordAudit } from "./console-accounts.repository.ts";
import { enqueueOutbox } from "./outbox.repository.ts";

export type ResendResult = { ok: true; outboxId: number; created: boolean; to: string } | { ok: false; reason: "no_acknowledgement" | "no_address" };

/**
 * A clerk sends a mail's 回执 again (the school lost it, or it was held back). A copy of the
 * latest 回执 goes into the outbox under a key made from the form's one-time `nonce`, so a
 * double-clicked button still sends once. Audited in the same transaction.
 */
export async function resendAcknowledgement(db: Database, campaignId: number, messageId: string, nonce: string, actor: string): Promise<ResendResult> {
  return db.transaction(async (tx) => {
    const [ack] = await tx
      .select({ row: outbox })
      .from(outbox)
      .innerJoin(messages, eq(messages.id, outbox.relatedMessageId))
      .where(and(eq(messages.campaignId, campaignId), eq(messages.messageId, messageId), eq(outbox.kind, "ack")))
      .orderBy(desc(outbox.createdAt))
      .limit(1);
    if (!ack) return { ok: false, reason: "no_acknowledgement" };
    const o = ack.row;
    if (!o.toAddress) return { ok: false, reason: "no_address" };
    const root = o.dedupeKey.split(":resend:")[0]!;
    const copy = await enqueueOutbox(tx, {
      campaignId: o.campaignId,
      kind: "ack",
      dedupeKey: `${root}:resend:${nonce}`,
      toAddress: o.toAddress,
      subject: o.subject,
      textBody: o.textBody,
      htmlBody: o.htmlBody,
      ourMessageId: `resend-${nonce}.${o.ourMessageId.replace(/^resend-[^.]+\./, "")}`,
      inReplyTo: o.inReplyTo,
      references: o.references,
      attachments: o.attachments,
      relatedMessageId: o.relatedMessageId,
      schoolId: o.schoolId,
      status: "queued",
      suppressedReason: null,
    });
    if (copy.created) {
      await recordAudit(tx, { campaignId, actor, action: "ack.resend", target: messageId, before: { status: o.status }, after: { to: o.toAddress } });
    }
    return { ok: true, outboxId: copy.id, created: copy.created, to: o.toAddress };
  });
}
