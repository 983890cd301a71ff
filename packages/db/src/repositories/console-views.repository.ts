import { sql, type SQL } from "drizzle-orm";
import type { Executor } from "../client.ts";

/**
 * What the console shows, read through the public `dashboard` views (SPEC §6) so the page
 * and an admin's SQL agree. Every value is a bound parameter; no SQL is built from strings.
 */

export type ViewRow = Record<string, unknown>;

async function rows(db: Executor, query: SQL): Promise<ViewRow[]> {
  return (await db.execute(query)).rows as ViewRow[];
}

export const schoolMessages = (db: Executor, campaign: string, school: string) =>
  rows(db, sql`select * from dashboard.messages where campaign = ${campaign} and school = ${school} order by received_at, message_id`);

export const schoolDocuments = (db: Executor, campaign: string, school: string) =>
  rows(db, sql`select * from dashboard.documents where campaign = ${campaign} and school = ${school} order by received_at, message_id, filename`);

export const schoolFindings = (db: Executor, campaign: string, school: string) =>
  rows(db, sql`select * from dashboard.findings where campaign = ${campaign} and school = ${school} order by received_at, filename nulls first`);

export const schoolInfoForms = (db: Executor, campaign: string, school: string) =>
  rows(db, sql`select * from dashboard.info_forms where campaign = ${campaign} and school = ${school} order by submitted_at`);

export const schoolStatsForms = (db: Executor, campaign: string, school: string) =>
  rows(db, sql`select * from dashboard.stats_forms where campaign = ${campaign} and school = ${school} order by submitted_at, row_index`);

export const schoolOutbox = (db: Executor, campaign: string, school: string) =>
  rows(db, sql`select * from dashboard.outbox where campaign = ${campaign} and school = ${school} order by created_at`);

export const schoolLargeAttachments = (db: Executor, campaign: string, school: string) =>
  rows(db, sql`select * from dashboard.large_attachments where campaign = ${campaign} and school = ${school} order by received_at`);

/** Every file of a campaign (or of one school), for the zips and the index workbook. */
export const campaignDocuments = (db: Executor, campaign: string, school?: string) =>
  rows(
    db,
    school === undefined
      ? sql`select * from dashboard.documents where campaign = ${campaign} order by school nulls last, kind, received_at, filename`
      : sql`select * from dashboard.documents where campaign = ${campaign} and school = ${school} order by kind, received_at, filename`,
  );

/** One file by its content address, as filed in the campaign: its name and type for a download. */
export async function campaignDocument(db: Executor, campaign: string, sha256: string): Promise<ViewRow | null> {
  const [row] = await rows(db, sql`select * from dashboard.documents where campaign = ${campaign} and sha256 = ${sha256} order by received_at limit 1`);
  return row ?? null;
}

export const unattributedMessages = (db: Executor, campaign: string) =>
  rows(db, sql`select * from dashboard.messages where campaign = ${campaign} and status = 'unattributed' order by received_at`);

/** SPEC §3: a school named in the mail, from an address not on its roster, waits for a person. */
export const messagesNeedingConfirmation = (db: Executor, campaign: string) =>
  rows(db, sql`select * from dashboard.messages where campaign = ${campaign} and attributed_by in ('name', 'form') order by received_at`);

export const unreadableDocuments = (db: Executor, campaign: string) =>
  rows(db, sql`select * from dashboard.documents where campaign = ${campaign} and parse_status = 'unreadable' order by received_at`);

export const openErrors = (db: Executor, campaign: string) =>
  rows(db, sql`select * from dashboard.findings where campaign = ${campaign} and severity = 'error' order by received_at desc limit 200`);

export const campaignMessagesOn = (db: Executor, campaign: string, day: string, timeZone: string) =>
  rows(
    db,
    sql`select * from dashboard.messages where campaign = ${campaign}
        and (received_at at time zone ${timeZone})::date = ${day}::date order by received_at desc`,
  );

export const campaignMailboxes = (db: Executor) => rows(db, sql`select * from dashboard.mailboxes order by campaign, mailbox_key`);

export const outboxFailures = (db: Executor) => rows(db, sql`select * from dashboard.outbox where status = 'failed' order by created_at desc limit 100`);

/** Counts for /metrics, by campaign and status. */
export const messageCounts = (db: Executor) => rows(db, sql`select campaign, status, count(*)::int as n from dashboard.messages group by campaign, status`);

export const outboxCounts = (db: Executor) =>
  rows(db, sql`select campaign, kind, status, count(*)::int as n from dashboard.outbox group by campaign, kind, status`);
