import { sql, type SQL } from "drizzle-orm";
import { grantFor, type BudgetGrant, type Budgets } from "@baosong/core";
import type { Database, Executor } from "../client.ts";
import { budgetGrants } from "../schema/budgets.ts";

export interface GrantRequest {
  campaignId: number;
  mailboxId: number;
  rawSha256: string;
  sender: string | null;
  receivedAt: Date;
  budgets: Budgets;
  /** What the raw mail's size allows its plain attachments to add up to (see grantFor). */
  mailBytes?: number;
}

/**
 * What this mail may store: the per-mail budget, cut to what its sender has left within the
 * window around the mail's received time. Atomic per sender (an advisory lock held while the
 * sender's use is summed and the grant written), so two workers cannot both spend the same
 * allowance; a repeated job gets its first grant back.
 */
export async function grantBudget(db: Database, r: GrantRequest): Promise<BudgetGrant> {
  const sender = r.sender?.trim().toLowerCase() ?? "";
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`budget:${r.campaignId}:${sender}`}, 0))`);
    // One statement for both: this mail's own grant (a repeated job gets it back) and what the
    // sender used around it. Read after the lock, so a grant another worker committed counts.
    const window = `${r.budgets.per_sender.window_hours} hours`;
    const at = r.receivedAt.toISOString();
    const { rows } = await tx.execute<UsedAround>(sql`
      select coalesce(sum(coalesce(used_attachment_bytes, granted_attachment_bytes)), 0) as attachment_bytes,
             coalesce(sum(coalesce(used_archive_bytes, granted_archive_bytes)), 0) as archive_bytes,
             coalesce(sum(coalesce(used_files, granted_files)), 0) as files,
             (select row_to_json(g) from (
                select granted_attachment_bytes as "grantedAttachmentBytes", granted_archive_bytes as "grantedArchiveBytes",
                       granted_files as "grantedFiles", sender_limited as "senderLimited"
                from budget_grants where mailbox_id = ${r.mailboxId} and raw_sha256 = ${r.rawSha256}) g) as own
      from budget_grants
      where campaign_id = ${r.campaignId} and sender = ${sender}
        and received_at > ${at}::timestamptz - ${window}::interval and received_at < ${at}::timestamptz + ${window}::interval`);
    const used = rows[0]!;
    if (used.own) return grantOf(used.own);
    const grant = grantFor(
      r.budgets,
      { attachment_bytes: Number(used.attachment_bytes), archive_bytes: Number(used.archive_bytes), files: Number(used.files) },
      r.mailBytes,
    );
    await tx.insert(budgetGrants).values({
      campaignId: r.campaignId,
      mailboxId: r.mailboxId,
      rawSha256: r.rawSha256,
      sender,
      receivedAt: r.receivedAt,
      grantedAttachmentBytes: grant.attachmentBytes,
      grantedArchiveBytes: grant.archiveBytes,
      grantedFiles: grant.files,
      senderLimited: Object.entries(grant.senderLimited)
        .filter(([, v]) => v)
        .map(([k]) => k),
    });
    return grant;
  });
}

/** What a mail really stored, against its grant. */
export interface BudgetUse {
  attachmentBytes: number;
  archiveBytes: number;
  files: number;
}

/** Records what the mail really stored, returning the rest of its grant to the sender. */
export async function settleBudget(db: Executor, mailboxId: number, rawSha256: string, used: BudgetUse): Promise<void> {
  await db.execute(settleBudgetSql(mailboxId, rawSha256, used, sql`true`));
}

/** `settleBudget` as a statement, applied only `when` holds: to run inside another statement (a CTE of the filing). */
export function settleBudgetSql(mailboxId: number, rawSha256: string, used: BudgetUse, when: SQL): SQL {
  return sql`update budget_grants
    set used_attachment_bytes = ${used.attachmentBytes}, used_archive_bytes = ${used.archiveBytes}, used_files = ${used.files}
    where mailbox_id = ${mailboxId} and raw_sha256 = ${rawSha256} and ${when}`;
}

interface UsedAround extends Record<string, unknown> {
  attachment_bytes: string;
  archive_bytes: string;
  files: string;
  own: GrantColumns | null;
}

type GrantColumns = Pick<typeof budgetGrants.$inferSelect, "grantedAttachmentBytes" | "grantedArchiveBytes" | "grantedFiles" | "senderLimited">;

function grantOf(row: GrantColumns): BudgetGrant {
  const limited = new Set(row.senderLimited);
  return {
    attachmentBytes: row.grantedAttachmentBytes,
    archiveBytes: row.grantedArchiveBytes,
    files: row.grantedFiles,
    senderLimited: { attachmentBytes: limited.has("attachmentBytes"), archiveBytes: limited.has("archiveBytes"), files: limited.has("files") },
  };
}
