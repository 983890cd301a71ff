import { createHash } from "node:crypto";
import { Readable } from "node:stream";
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
  listDailyCounts,
  listDaySubmissions,
  listExpiringLinks,
  listLatestInfoForms,
  listLatestStatsForms,
  listOpenFindingsCounts,
  type Executor,
  type NewOutboxMail,
} from "@baosong/db";
import type { BlobStore } from "@baosong/blobs";

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
    const { mail, workbook, filename } = await composeDigestMail(db, c, planned);
    const stored = await blobs.put(Readable.from([workbook]));
    return rowsFor(c, planned, to, mail, null, [{ filename, blobKey: stored.key, contentType: XLSX_TYPE }]);
  }
  const to = c.addresses.get(planned.to.school) ?? [];
  const mail =
    planned.kind === "reminder" ? composeReminder(reminderInput(c.campaign, planned, c.now)) : composeOverdueNotice(overdueInput(c.campaign, planned, c.now));
  return rowsFor(c, planned, to, mail, c.schoolIds.get(planned.to.school) ?? null, null);
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
  /** The 汇总表 (.xlsx) attached to it. */
  workbook: Buffer;
  filename: string;
}

/** The digest mail and its 汇总表, read from the dashboard views at `now`. Sends nothing. */
export async function composeDigestMail(
  db: Executor,
  c: Pick<CampaignOutgoing, "campaign" | "campaignId" | "statuses" | "now">,
  planned: PlannedDigest,
): Promise<DigestMail> {
  const { campaign, campaignId, now } = c;
  const frame = digestFrame(campaign, planned, c.statuses, now);
  const until = new Date(now.getTime() + EXPIRING_WITHIN_DAYS * 86_400_000);
  // One after another: `db` is a transaction, one connection, one query at a time.
  const submissions = await listDaySubmissions(db, campaignId, planned.day, campaign.timezone, now);
  const stats = await listLatestStatsForms(db, campaignId);
  const infoForms = await listLatestInfoForms(db, campaignId);
  const openFindings = await listOpenFindingsCounts(db, campaignId);
  const largeAttachments = await listExpiringLinks(db, campaignId, now, until);
  const daily = await listDailyCounts(db, campaignId);
  const dailyRequirement = campaign.requirements.find((r) => r.daily)?.daily;
  const days = dailyRequirement ? campaignDays(dailyRequirement.from, dailyRequirement.to) : campaignDays(campaign.period.start, campaign.period.end);
  // exceljs loads with the first digest, not with every process that plans outgoing mail.
  const { buildDigestWorkbook } = await import("@baosong/reports");
  const workbook = await buildDigestWorkbook({
    campaignTitle: campaign.title,
    timeZone: campaign.timezone,
    now,
    schools: campaign.schools.map((s) => s.name),
    mediaLevels: frame.mediaLevels,
    stats,
    infoForms,
    days,
    daily: daily.filter((d) => days.includes(d.day)),
    matrix: frame.matrix,
  });
  const filename = `日报摘要-${planned.day}.xlsx`;
  const mail = composeDigest({
    ...frame,
    submissions,
    stats,
    openFindings,
    largeAttachments,
    expiringWithinDays: EXPIRING_WITHIN_DAYS,
    attachmentName: filename,
  });
  return { mail, workbook, filename };
}
