import { and, eq } from "drizzle-orm";
import { normalize } from "@baosong/core";
import type { Database, Executor } from "../client.ts";
import { campaigns, mailReceipts, schools } from "../schema/campaigns.ts";
import { featuredActivities, infoForms, reports, statsForms } from "../schema/forms.ts";
import { messages } from "../schema/messages.ts";
import { recordAudit } from "./console-accounts.repository.ts";

export type AssignmentResult =
  | { ok: true; campaign: string; school: string; previous: string | null; messages: number }
  | { ok: false; reason: "no_message" | "ambiguous_message" | "no_school" | "ambiguous_school"; candidates: string[] };

/**
 * `baosong assign`: an admin says which school sent a mail. The message and everything read
 * from it (forms, reports) move to that school, recorded as attributed by hand. A mail that
 * needed confirmation (attributed by name from an address not on the roster) is confirmed:
 * its forms may then be the school's latest.
 */
export async function assignMessage(db: Database, messageId: string, schoolName: string, campaignSlug?: string): Promise<AssignmentResult> {
  const id = messageId.trim().replace(/^<|>$/g, "");
  return db.transaction(async (tx) => {
    const found = await tx
      .select({ id: messages.id, campaignId: messages.campaignId, slug: campaigns.slug, schoolId: messages.schoolId, status: messages.status })
      .from(messages)
      .innerJoin(campaigns, eq(campaigns.id, messages.campaignId))
      .where(campaignSlug ? and(eq(messages.messageId, id), eq(campaigns.slug, campaignSlug)) : eq(messages.messageId, id));
    if (!found.length) return { ok: false, reason: "no_message", candidates: [] };
    const slugs = [...new Set(found.map((m) => m.slug))];
    if (slugs.length > 1) return { ok: false, reason: "ambiguous_message", candidates: slugs };
    const campaignId = found[0]!.campaignId;

    const roster = await tx
      .select()
      .from(schools)
      .where(and(eq(schools.campaignId, campaignId), eq(schools.active, true)));
    const wanted = normalize(schoolName);
    const exact = roster.filter((s) => normalize(s.name) === wanted || s.aliases.some((a) => normalize(a) === wanted));
    const school = exact.length === 1 ? exact[0]! : null;
    if (!school) {
      const partial = roster.filter((s) => normalize(s.name).includes(wanted)).map((s) => s.name);
      return {
        ok: false,
        reason: exact.length > 1 || partial.length > 1 ? "ambiguous_school" : "no_school",
        candidates: exact.length > 1 ? exact.map((s) => s.name) : partial,
      };
    }
    const previous = roster.find((s) => s.id === found[0]!.schoolId)?.name ?? null;
    for (const m of found) {
      await tx
        .update(messages)
        // An admin's word settles an unattributed mail and one that needed confirmation alike.
        .set({ schoolId: school.id, attributedBy: "manual", status: m.status === "unattributed" || m.status === "needs_confirmation" ? "filed" : m.status })
        .where(eq(messages.id, m.id));
      for (const table of [infoForms, statsForms, featuredActivities, reports]) {
        await tx.update(table).set({ schoolId: school.id }).where(eq(table.messageId, m.id));
      }
    }
    return { ok: true, campaign: slugs[0]!, school: school.name, previous, messages: found.length };
  });
}

/**
 * A person confirms the school a mail was attributed to by name or form (SPEC §3): it now
 * counts as attributed by hand, and the decision goes into the audit log in the same transaction.
 */
export async function confirmAttribution(db: Database, campaignId: number, messageId: string, actor: string): Promise<{ school: string } | null> {
  return db.transaction(async (tx) => {
    const [m] = await tx
      .select({ id: messages.id, attributedBy: messages.attributedBy, status: messages.status, school: schools.name })
      .from(messages)
      .innerJoin(schools, eq(schools.id, messages.schoolId))
      .where(and(eq(messages.campaignId, campaignId), eq(messages.messageId, messageId)));
    if (!m) return null;
    // A mail that needed confirmation is filed once a person has confirmed it.
    const status = m.status === "needs_confirmation" ? "filed" : m.status;
    await tx.update(messages).set({ attributedBy: "manual", status }).where(eq(messages.id, m.id));
    await recordAudit(tx, {
      campaignId,
      actor,
      action: "message.confirm",
      target: messageId,
      before: { attributed_by: m.attributedBy, status: m.status, school: m.school },
      after: { attributed_by: "manual", status, school: m.school },
    });
    return { school: m.school };
  });
}

export interface StoredMail {
  campaignId: number;
  campaign: string;
  mailboxId: number;
  rawKey: string;
  rawSha256: string;
  sizeBytes: number;
  receivedAt: Date;
  uidValidity: number;
  uid: number;
  school: string | null;
  status: string;
  attributedBy: string;
}

/** What a re-run of a mail's understanding starts from: its raw bytes as received, found by Message-ID. */
export async function findStoredMails(db: Executor, messageId: string, campaignSlug?: string): Promise<StoredMail[]> {
  const id = messageId.trim().replace(/^<|>$/g, "");
  const rows = await db
    .select({
      campaignId: messages.campaignId,
      campaign: campaigns.slug,
      mailboxId: messages.mailboxId,
      rawKey: messages.rawKey,
      rawSha256: messages.rawSha256,
      sizeBytes: messages.sizeBytes,
      receivedAt: messages.receivedAt,
      uidValidity: mailReceipts.uidValidity,
      uid: mailReceipts.uid,
      school: schools.name,
      status: messages.status,
      attributedBy: messages.attributedBy,
    })
    .from(messages)
    .innerJoin(campaigns, eq(campaigns.id, messages.campaignId))
    .leftJoin(schools, eq(schools.id, messages.schoolId))
    .leftJoin(mailReceipts, and(eq(mailReceipts.mailboxId, messages.mailboxId), eq(mailReceipts.rawSha256, messages.rawSha256)))
    .where(campaignSlug ? and(eq(messages.messageId, id), eq(campaigns.slug, campaignSlug)) : eq(messages.messageId, id));
  // A mail filed without an IMAP receipt (a test, an import) has no UID: 0 stands for none.
  return rows.map((r) => ({ ...r, uidValidity: r.uidValidity ?? 0, uid: r.uid ?? 0 }));
}

/**
 * Confirms a mail filed as needing confirmation for the school it was attributed to (SPEC §3
 * Trust): `assignMessage` to that same school.
 */
export async function confirmMessage(
  db: Database,
  messageId: string,
  campaignSlug?: string,
): Promise<AssignmentResult | { ok: false; reason: "not_attributed"; candidates: string[] }> {
  const id = messageId.trim().replace(/^<|>$/g, "");
  const rows = await db
    .select({ school: schools.name })
    .from(messages)
    .innerJoin(campaigns, eq(campaigns.id, messages.campaignId))
    .leftJoin(schools, eq(schools.id, messages.schoolId))
    .where(campaignSlug ? and(eq(messages.messageId, id), eq(campaigns.slug, campaignSlug)) : eq(messages.messageId, id));
  if (!rows.length) return { ok: false, reason: "no_message", candidates: [] };
  const names = [...new Set(rows.map((r) => r.school))];
  if (names.length !== 1 || names[0] === null) return { ok: false, reason: "not_attributed", candidates: names.filter((n): n is string => n !== null) };
  return assignMessage(db, id, names[0]!, campaignSlug);
}
