import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "drizzle-orm";
import type { BudgetGrant, Budgets } from "@baosong/core";
import { prepared, withConnection, type Database, type Executor } from "../client.ts";

export interface GrantRequest {
  campaignId: number;
  mailboxId: number;
  rawSha256: string;
  sender: string | null;
  receivedAt: Date;
  budgets: Budgets;
  /** What the raw mail's size allows its plain attachments to add up to (see grantFor). */
  mailBytes?: number;
  /**
   * How long to wait for the sender's mails in flight when their reservations are what cut
   * this grant (waitsForInFlight); after that the grant is what is left. Default a minute.
   */
  inFlightPatienceMs?: number;
  /**
   * Reserve no archive bytes now: they are asked for with grantArchiveBudget once the mail
   * turns out to hold an archive, so mails without one (most) hold none of the sender's.
   */
  archivesLater?: boolean;
}

/** Longer than a mail of videos takes to unpack and file; a stuck one must not hold the next for ever. */
const IN_FLIGHT_PATIENCE_MS = 60_000;

/**
 * What this mail may store: the per-mail budget, cut to what its sender has left within the
 * window around the mail's received time (grantFor's rule, applied by the database function
 * baosong_grant_budget). Atomic per sender (an advisory lock held while the sender's use is
 * summed and the grant written), so two workers cannot both spend the same allowance; a
 * repeated job gets its first grant back. One round trip, unless the sender's other mails in
 * flight hold what this one needs: then it asks again as they settle, for a while.
 */
export async function grantBudget(db: Database, r: GrantRequest): Promise<BudgetGrant> {
  return grantOf(await patiently(r, (wait) => grantRow(db, r, wait)));
}

/**
 * The archive bytes of a mail granted with `archivesLater`, now that it holds an archive: the
 * per-mail allowance cut to what the sender has left, by the same rule, lock and wait as
 * grantBudget (baosong_grant_archive_budget). A repeated job is asked again until the mail is
 * settled; then it gets the grant it had.
 */
export async function grantArchiveBudget(db: Database, r: GrantRequest): Promise<{ archiveBytes: number; senderLimited: boolean }> {
  const row = await patiently(r, async (wait) => {
    const { rows } = await withConnection(db, (client) =>
      client.query<Pick<GrantRow, "granted_archive_bytes" | "sender_limited" | "waiting">>(
        prepared(client, "grant_archive_budget", GRANT_ARCHIVE_BUDGET, [
          r.campaignId,
          r.mailboxId,
          r.rawSha256,
          senderOf(r),
          r.receivedAt,
          r.budgets.per_sender.window_hours,
          r.budgets.per_mail.archive_bytes,
          r.budgets.per_sender.archive_bytes,
          wait,
        ]),
      ),
    );
    return rows[0]!;
  });
  return { archiveBytes: Number(row.granted_archive_bytes), senderLimited: row.sender_limited.includes("archiveBytes") };
}

const GRANT_ARCHIVE_BUDGET = "select * from baosong_grant_archive_budget($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/** Asks with the wait for mails in flight until the request's patience is spent, then without. */
async function patiently<T extends { waiting: boolean }>(r: GrantRequest, ask: (wait: boolean) => Promise<T>): Promise<T> {
  const patientUntil = Date.now() + (r.inFlightPatienceMs ?? IN_FLIGHT_PATIENCE_MS);
  for (let pauseMs = 20; ; pauseMs = Math.min(pauseMs * 2, 500)) {
    const row = await ask(Date.now() < patientUntil);
    if (!row.waiting) return row;
    await sleep(pauseMs);
  }
}

/** Grants are kept per sender address, compared without case; mails without a From share "". */
function senderOf(r: GrantRequest): string {
  return r.sender?.trim().toLowerCase() ?? "";
}

async function grantRow(db: Database, r: GrantRequest, wait: boolean): Promise<GrantRow> {
  const { per_mail: mail, per_sender: bySender } = r.budgets;
  const mailBytes = r.mailBytes === undefined || !Number.isFinite(r.mailBytes) ? null : Math.floor(r.mailBytes);
  const { rows } = await withConnection(db, (client) =>
    client.query<GrantRow>(
      prepared(client, "grant_budget", GRANT_BUDGET, [
        r.campaignId,
        r.mailboxId,
        r.rawSha256,
        senderOf(r),
        r.receivedAt,
        bySender.window_hours,
        mail.attachment_bytes,
        r.archivesLater ? 0 : mail.archive_bytes,
        mail.files,
        bySender.attachment_bytes,
        bySender.archive_bytes,
        bySender.files,
        mailBytes,
        wait,
      ]),
    ),
  );
  return rows[0]!;
}

const GRANT_BUDGET = "select * from baosong_grant_budget($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";

/** What a mail really stored, against its grant. */
export interface BudgetUse {
  attachmentBytes: number;
  archiveBytes: number;
  files: number;
}

/** Records what the mail really stored, returning the rest of its grant to the sender (the filing does it too: fileMessage). */
export async function settleBudget(db: Executor, mailboxId: number, rawSha256: string, used: BudgetUse): Promise<void> {
  await db.execute(sql`update budget_grants
    set used_attachment_bytes = ${used.attachmentBytes}, used_archive_bytes = ${used.archiveBytes}, used_files = ${used.files}
    where mailbox_id = ${mailboxId} and raw_sha256 = ${rawSha256}`);
}

/**
 * A mail given up (it could not be filed): what it stored is unknown, so its grant counts as
 * used, whole, as it did while in flight; but it is no longer in flight, so the sender's next
 * mails do not wait for it to settle.
 */
export async function closeGrant(db: Executor, mailboxId: number, rawSha256: string): Promise<void> {
  await db.execute(sql`update budget_grants
    set used_attachment_bytes = coalesce(used_attachment_bytes, granted_attachment_bytes),
        used_archive_bytes = coalesce(used_archive_bytes, granted_archive_bytes),
        used_files = coalesce(used_files, granted_files)
    where mailbox_id = ${mailboxId} and raw_sha256 = ${rawSha256}`);
}

/** A budget_grants row's grant columns as node-pg gives them (bigint as text). */
interface GrantRow {
  granted_attachment_bytes: string;
  granted_archive_bytes: string;
  granted_files: number;
  sender_limited: string[];
  /** Nothing granted: the sender's mails in flight hold what this one needs; ask again. */
  waiting: boolean;
}

function grantOf(row: GrantRow): BudgetGrant {
  const limited = new Set(row.sender_limited);
  return {
    attachmentBytes: Number(row.granted_attachment_bytes),
    archiveBytes: Number(row.granted_archive_bytes),
    files: row.granted_files,
    senderLimited: { attachmentBytes: limited.has("attachmentBytes"), archiveBytes: limited.has("archiveBytes"), files: limited.has("files") },
  };
}
