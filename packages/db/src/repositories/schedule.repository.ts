import { eq, sql } from "drizzle-orm";
import type { DaySubmission, DigestInfoRow, DigestStatsRow, DocumentKind, ExpiringLink, FiledItem, OpenFindingsCount } from "@baosong/core";
import type { Executor } from "../client.ts";
import { eachRow } from "../cursor.ts";
import { schedulerRuns } from "../schema/scheduler.ts";

/**
 * What the scheduler reads to plan and compose reminders, overdue notices and digests
 * (SPEC §5). Rules are those of the dashboard views (SPEC §6), so the mails and the
 * dashboard agree.
 */

type Row = Record<string, unknown>;

async function rows<T = Row>(db: Executor, query: ReturnType<typeof sql>): Promise<T[]> {
  const result = await db.execute(query);
  return result.rows as T[];
}

const toDate = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
const toNumber = (v: unknown): number | null => (v == null ? null : Number(v));

/** Every document filed for a school of the campaign, as schoolStatuses() takes them. */
const filedItemsOf = (campaignId: number) =>
  sql`select s.name as school, d.kind, d.activity_day::text as activity_day, m.received_at,
             d.parse_status not in ('invalid', 'unreadable') as valid
      from documents d
      join messages m on m.id = d.message_id
      join schools s on s.id = m.school_id
      where m.campaign_id = ${campaignId}
        -- as dashboard.school_status: an unreadable file counts only when nothing readable of its kind came
        and (d.parse_status <> 'unreadable' or not exists (
          select 1 from documents d2 join messages m2 on m2.id = d2.message_id
          where m2.school_id = m.school_id and m2.campaign_id = m.campaign_id and d2.kind = d.kind and d2.parse_status <> 'unreadable'))`;

function filedItemOf(r: Row): FiledItem {
  return {
    school: String(r.school),
    kind: r.kind as DocumentKind,
    activityDay: (r.activity_day as string | null) ?? null,
    receivedAt: toDate(r.received_at),
    valid: Boolean(r.valid),
  };
}

export async function listFiledItems(db: Executor, campaignId: number): Promise<FiledItem[]> {
  return (await rows(db, filedItemsOf(campaignId))).map(filedItemOf);
}

/** listFiledItems one at a time, through a cursor: a campaign files hundreds of thousands. */
export async function eachFiledItem(db: Executor, campaignId: number, visit: (item: FiledItem) => void | Promise<void>): Promise<void> {
  await eachRow<Row>(db, filedItemsOf(campaignId), (r) => visit(filedItemOf(r)));
}

/**
 * Where to write to each school: its roster addresses, or else the address it last wrote
 * from (a school missing from the roster's senders still gets its reminders). Schools with
 * neither are absent from the map.
 */
export async function listSchoolAddresses(db: Executor, campaignId: number): Promise<Map<string, string[]>> {
  const found = await rows(
    db,
    sql`select s.name, s.senders,
               (select lower(m.from_address) from messages m
                 where m.school_id = s.id and m.from_address is not null and not m.auto_reply
                 order by m.received_at desc, m.id desc limit 1) as last_from
        from schools s
        where s.campaign_id = ${campaignId} and s.active`,
  );
  const addresses = new Map<string, string[]>();
  for (const r of found) {
    const senders = (r.senders as string[] | null) ?? [];
    const chosen = senders.length ? senders : r.last_from ? [String(r.last_from)] : [];
    if (chosen.length) addresses.set(String(r.name), [...new Set(chosen)]);
  }
  return addresses;
}

/** A row of dashboard.stats_forms as the digest takes it. */
export function statsFormOf(r: Row): DigestStatsRow {
  return {
    school: String(r.school),
    schools_participating: toNumber(r.schools_participating),
    teachers: toNumber(r.teachers),
    students: toNumber(r.students),
    student_coverage_pct: toNumber(r.student_coverage_pct),
    enterprises: toNumber(r.enterprises),
    total_participants: toNumber(r.total_participants),
    activity_items: toNumber(r.activity_items),
    media_reports_total: toNumber(r.media_reports_total),
    media_reports_by_level: (r.media_reports_by_level as Record<string, number | null>) ?? {},
  };
}

const text = (v: unknown) => (v == null ? null : String(v));

/** A row of dashboard.info_forms as the digest takes it. */
export function infoFormOf(r: Row): DigestInfoRow {
  return {
    school: String(r.school),
    unit_name: text(r.unit_name),
    contact_name: text(r.contact_name),
    contact_title: text(r.contact_title),
    mobile: text(r.mobile),
    qq: text(r.qq),
    website_url: text(r.website_url),
    plan_text: text(r.plan_text),
    featured_text: text(r.featured_text),
  };
}

/** The latest 情况统计表 per school (dashboard.stats_forms where is_latest). */
export async function listLatestStatsForms(db: Executor, campaignId: number): Promise<DigestStatsRow[]> {
  const found = await rows(
    db,
    sql`select v.* from dashboard.stats_forms v join campaigns c on c.slug = v.campaign
        where c.id = ${campaignId} and v.is_latest order by v.school, v.row_index`,
  );
  return found.map(statsFormOf);
}

/** The latest 信息采集表 per school (dashboard.info_forms where is_latest). */
export async function listLatestInfoForms(db: Executor, campaignId: number): Promise<DigestInfoRow[]> {
  const found = await rows(
    db,
    sql`select v.* from dashboard.info_forms v join campaigns c on c.slug = v.campaign
        where c.id = ${campaignId} and v.is_latest order by v.school`,
  );
  return found.map(infoFormOf);
}

/**
 * Findings still open per school: those of the school's latest document of each kind (a
 * newer version of a form supersedes the flawed one, so its findings are closed).
 */
export async function listOpenFindingsCounts(db: Executor, campaignId: number): Promise<OpenFindingsCount[]> {
  const found = await rows(
    db,
    sql`with latest as (
          select distinct on (m.school_id, d.kind) d.id as document_id, m.school_id
          from documents d join messages m on m.id = d.message_id
          where m.campaign_id = ${campaignId} and m.school_id is not null
          order by m.school_id, d.kind, m.received_at desc, d.id desc
        )
        select s.name as school,
               count(*) filter (where f.severity = 'error')::int as errors,
               count(*) filter (where f.severity = 'warning')::int as warnings
        from latest l
        join findings f on f.document_id = l.document_id
        join schools s on s.id = l.school_id
        group by s.name
        order by s.name`,
  );
  return found.map((r) => ({ school: String(r.school), errors: Number(r.errors), warnings: Number(r.warnings) }));
}

/** QQ 超大附件 links not yet expired at `now` that expire by `until`. */
export async function listExpiringLinks(db: Executor, campaignId: number, now: Date, until: Date): Promise<ExpiringLink[]> {
  const found = await rows(
    db,
    sql`select s.name as school, a.filename, a.url, a.expires_at
        from large_attachments a
        join messages m on m.id = a.message_id
        left join schools s on s.id = m.school_id
        where m.campaign_id = ${campaignId} and a.expires_at > ${now.toISOString()} and a.expires_at <= ${until.toISOString()}
        order by a.expires_at, a.id`,
  );
  return found.map((r) => ({
    school: (r.school as string | null) ?? null,
    filename: String(r.filename),
    url: String(r.url),
    expiresAt: toDate(r.expires_at),
  }));
}

/** The documents received on a campaign day (by INTERNALDATE on the campaign's wall clock), up to `now`. */
export async function listDaySubmissions(db: Executor, campaignId: number, day: string, timeZone: string, now: Date): Promise<DaySubmission[]> {
  const found = await rows(
    db,
    sql`select s.name as school, m.received_at, d.filename, d.kind
        from documents d
        join messages m on m.id = d.message_id
        left join schools s on s.id = m.school_id
        where m.campaign_id = ${campaignId}
          and (m.received_at at time zone ${timeZone})::date = ${day}::date
          and m.received_at <= ${now.toISOString()}
        order by m.received_at, d.id`,
  );
  return found.map((r) => ({
    school: (r.school as string | null) ?? null,
    receivedAt: toDate(r.received_at),
    filename: String(r.filename),
    kind: r.kind as DocumentKind,
  }));
}

/** Up to when the campaign's outgoing mail was planned; null before the first run. */
export async function findLastRun(db: Executor, campaignId: number): Promise<Date | null> {
  const [row] = await db.select({ lastRun: schedulerRuns.lastRun }).from(schedulerRuns).where(eq(schedulerRuns.campaignId, campaignId));
  return row?.lastRun ?? null;
}

export async function saveLastRun(db: Executor, campaignId: number, lastRun: Date): Promise<void> {
  await db.insert(schedulerRuns).values({ campaignId, lastRun }).onConflictDoUpdate({ target: schedulerRuns.campaignId, set: { lastRun } });
}

/** Arbitrary but fixed: the advisory-lock class of "planning a campaign's outgoing mail". */
const PLANNING_LOCK_CLASS = 7_210_532;

/**
 * Holds the campaign's planning lock until the transaction ends, waiting for another
 * scheduler that holds it: two schedulers never plan the same window at once, and the
 * second then reads the first one's last_run.
 */
export async function lockCampaignPlanning(tx: Executor, campaignId: number): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${PLANNING_LOCK_CLASS}::int, ${campaignId}::int)`);
}
