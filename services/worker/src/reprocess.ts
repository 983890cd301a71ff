import { DocumentParser } from "@baosong/documents";
import { assignMessage, findStoredMails, recordAudit } from "@baosong/db";
import { fileIngest, type IngestDeps } from "./ingest.ts";

export type ReprocessResult =
  | { ok: true; campaign: string; before: Understanding; after: Understanding }
  | { ok: false; reason: "no_message" | "ambiguous_message"; candidates: string[] };

export interface Understanding {
  school: string | null;
  status: string;
  attributedBy: string;
}

/**
 * Re-runs a mail's understanding from its raw bytes after the roster or the campaign changed
 * (`baosong reprocess`, the console's 重新识别). The old filing is replaced in one transaction;
 * the 回执 is not sent again (its dedupe key); running it twice gives the same filing.
 */
export async function reprocessMessage(d: IngestDeps, messageId: string, actor: string, campaignSlug?: string): Promise<ReprocessResult> {
  const found = await findStoredMails(d.db, messageId, campaignSlug);
  if (!found.length) return { ok: false, reason: "no_message", candidates: [] };
  const campaigns = [...new Set(found.map((m) => m.campaign))];
  if (campaigns.length > 1) return { ok: false, reason: "ambiguous_message", candidates: campaigns };
  const parser = d.parser ?? new DocumentParser({ mode: "inline" });
  let before: Understanding | null = null;
  for (const m of found) {
    before ??= { school: m.school, status: m.status, attributedBy: m.attributedBy };
    const data = {
      campaignId: m.campaignId,
      mailboxId: m.mailboxId,
      rawKey: m.rawKey,
      rawSha256: m.rawSha256,
      uidValidity: m.uidValidity,
      uid: m.uid,
      sizeBytes: m.sizeBytes,
      internalDate: m.receivedAt.toISOString(),
    };
    await fileIngest(d, parser, data, null, true);
  }
  let [now] = await findStoredMails(d.db, messageId, campaigns[0]);
  // A person's assignment stands unless the mail now names its school by itself.
  if (before!.attributedBy === "manual" && before!.school && now!.status === "unattributed") {
    await assignMessage(d.db, messageId, before!.school, campaigns[0]);
    [now] = await findStoredMails(d.db, messageId, campaigns[0]);
  }
  const after = { school: now!.school, status: now!.status, attributedBy: now!.attributedBy };
  await recordAudit(d.db, {
    campaignId: found[0]!.campaignId,
    actor,
    action: "message.reprocess",
    target: messageId.trim().replace(/^<|>$/g, ""),
    before,
    after,
  });
  return { ok: true, campaign: campaigns[0]!, before: before!, after };
}
