import { createHash } from "node:crypto";
import { PassThrough, type Writable } from "node:stream";
import {
  campaignDays,
  composeDigest,
  composeOverdueNotice,
  composeReminder,
  digestFrame,
  overdueInput,
  reminderInput,
  type Campaign,
  type ComposedMail,
  type PlannedDigest,
  type PlannedMail,
  type SchoolStatus,
} from "@baosong/core";
import {
  eachRosterDaily,
  eachRosterInfo,
  eachRosterStats,
  listDaySubmissions,
  listExpiringLinks,
  listOpenFindingsCounts,
  sumRosterStats,
  type Executor,
  type NewOutboxMail,
} from "@baosong/db";
import type { BlobStore } from "@baosong/blobs";
import type { DigestRows } from "@baosong/reports";

export const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/** QQ 超大附件 links expiring within this many days are listed in a digest. */
const EXPIRING_WITHIN_DAYS = 7;

/** What turning planned mail into outbox rows needs to know about the campaign. */
export interface CampaignOutgoing {
  campaignId: number;
  campaign: Campaign;
  statuses: readonly SchoolStatus[];
  /** Roster name → school id, for outbox.school_id. */
  schoolIds: ReadonlyMap<string, number>;
  /** Roster name → where to write (listSchoolAddresses). */
  addresses: ReadonlyMap<string, readonly string[]>;
  now: Date;
}

/**
 * The outbox rows of one planned mail: one per recipient address. With several addresses
 * (a school with two roster senders, several officials) each row's dedupe key carries its
 * address, so each recipient gets the mail once. Empty when no address is known.
 */
export async function outboxMailsOf(db: Executor, blobs: BlobStore, c: CampaignOutgoing, planned: PlannedMail): Promise<NewOutboxMail[]> {
  if (planned.kind === "digest") {
    const to = c.campaign.officials.map((o) => o.email.toLowerCase());
    if (to.length === 0) return [];
    return digestOutboxRows(db, blobs, c, planned, to);
  }
  const to = c.addresses.get(planned.to.school) ?? [];
  const mail =
    planned.kind === "reminder" ? composeReminder(reminderInput(c.campaign, planned, c.now)) : composeOverdueNotice(overdueInput(c.campaign, planned, c.now));
  return rowsFor(c, planned, to, mail, c.schoolIds.get(planned.to.school) ?? null, null);
}

/** The digest to the officials, its workbook streamed into the blob store as it is written (several MB for 10,000 schools). */
async function digestOutboxRows(db: Executor, blobs: BlobStore, c: CampaignOutgoing, planned: PlannedDigest, to: string[]): Promise<NewOutboxMail[]> {
  const workbook = new PassThrough();
  const storing = blobs.put(workbook).catch((err: unknown) => {
    workbook.destroy(err as Error); // stops the writer at its next row
    throw err;
  });
  // Both settle before returning: the writer reads through `db`, which the caller goes on using.
  const [composed, stored] = await Promise.allSettled([composeDigestMail(db, c, planned, workbook), storing]);
  // The writer stops when the store gives up: the store's reason is the one to report.
  if (stored.status === "rejected" && (composed.status === "fulfilled" || writerStoppedByOutput(composed.reason))) throw stored.reason;
  if (composed.status === "rejected") throw composed.reason;
  if (stored.status === "rejected") throw stored.reason;
  const { mail, filename } = composed.value;
  return rowsFor(c, planned, to, mail, null, [{ filename, blobKey: stored.value.key, contentType: XLSX_TYPE }]);
}

/** The writer's WorkbookOutputClosedError, known by its code: the class's module loads exceljs. */
function writerStoppedByOutput(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === "WorkbookOutputClosed";
}

interface OutboxAttachment {
  filename: string;
  blobKey: string;
  contentType: string;
}

function rowsFor(
  c: CampaignOutgoing,
  planned: PlannedMail,
  to: readonly string[],
  mail: ComposedMail,
  schoolId: number | null,
  attachments: OutboxAttachment[] | null,
): NewOutboxMail[] {
  const fromDomain = (c.campaign.smtp.from_address ?? c.campaign.smtp.user).split("@")[1] ?? "baosong.local";
  return [...new Set(to)].map((address) => {
    const dedupeKey = to.length > 1 ? `${planned.dedupeKey}:${address}` : planned.dedupeKey;
    const hash = createHash("sha256").update(dedupeKey).digest("hex").slice(0, 24);
    return {
      campaignId: c.campaignId,
      kind: planned.kind,
      dedupeKey,
      toAddress: address,
      subject: mail.subject,
      textBody: mail.text,
      htmlBody: mail.html,
      ourMessageId: `${planned.kind}-${hash}@${fromDomain}`,
      attachments,
      schoolId,
    };
  });
}

export interface DigestMail {
  mail: ComposedMail;
  /** The name of the 汇总表 (.xlsx) attached to it. */
  filename: string;
}

/** What the attached 汇总表 is called: the day it reports on. */
export function digestWorkbookName(day: string): string {
  return `日报摘要-${day}.xlsx`;
}

/**
 * The digest mail, read from the dashboard views at `now`, and its 汇总表, streamed to
 * `workbook` (ended when written, destroyed when it fails). Sends nothing.
 */
export async function composeDigestMail(
  db: Executor,
  c: Pick<CampaignOutgoing, "campaign" | "campaignId" | "statuses" | "now">,
  planned: PlannedDigest,
  workbook: Writable,
): Promise<DigestMail> {
  const { campaign, campaignId, now } = c;
  const frame = digestFrame(campaign, planned, c.statuses, now);
  const until = new Date(now.getTime() + EXPIRING_WITHIN_DAYS * 86_400_000);
  const filename = digestWorkbookName(planned.day);
  let mail: ComposedMail;
  try {
    // One after another: `db` may be a transaction, one connection, one query at a time.
    const submissions = await listDaySubmissions(db, campaignId, planned.day, campaign.timezone, now);
    const statsTotals = await sumRosterStats(db, campaignId, frame.mediaLevels);
    const openFindings = await listOpenFindingsCounts(db, campaignId);
    const largeAttachments = await listExpiringLinks(db, campaignId, now, until);
    mail = composeDigest({
      ...frame,
      submissions,
      statsTotals,
      openFindings,
      largeAttachments,
      expiringWithinDays: EXPIRING_WITHIN_DAYS,
      attachmentName: filename,
    });
    const days = workbookDays(campaign);
    // exceljs loads with the first digest, not with every process that plans outgoing mail.
    const { writeDigestWorkbook } = await import("@baosong/reports");
    await writeDigestWorkbook(
      {
        campaignTitle: campaign.title,
        timeZone: campaign.timezone,
        now,
        schools: campaign.schools.map((s) => s.name),
        mediaLevels: frame.mediaLevels,
        days,
        rows: rosterRows(db, campaignId, days),
        statsTotals,
        matrix: frame.matrix,
      },
      workbook,
    );
  } catch (err) {
    workbook.destroy(err as Error);
    throw err;
  }
  return { mail, filename };
}

/** The days of the daily sheet: the daily requirement's window, else the campaign's period. */
function workbookDays(campaign: Campaign): string[] {
  const daily = campaign.requirements.find((r) => r.daily)?.daily;
  return daily ? campaignDays(daily.from, daily.to) : campaignDays(campaign.period.start, campaign.period.end);
}

/** The workbook's per-school rows, streamed from the database in roster order. */
function rosterRows(db: Executor, campaignId: number, days: readonly string[]): DigestRows {
  return {
    eachStats: (visit) => eachRosterStats(db, campaignId, visit),
    eachInfo: (visit) => eachRosterInfo(db, campaignId, visit),
    eachDaily: (totals, visit) => eachRosterDaily(db, campaignId, days, totals, visit),
  };
}
