import { sql } from "drizzle-orm";
import { coveragePct, type DigestInfoRow, type DigestStatsRow, type StatsTotals } from "@baosong/core";
import type { Executor } from "../client.ts";
import { eachRow } from "../cursor.ts";
import { infoFormOf, statsFormOf } from "./schedule.repository.ts";

/**
 * What the digest's 汇总表 reads, one row per roster school in roster order, through a
 * cursor: a campaign of 10,000 schools is streamed, never held. The roster order is the
 * campaign file's (campaigns.config), as officials wrote it; the rules of "latest form" are
 * those of the dashboard views (SPEC §6), so the workbook and the dashboard agree.
 */

type Row = Record<string, unknown>;

/** The roster of the campaign, in the order of its file; only its schools are reported. */
const roster = (campaignId: number) =>
  sql`select r.entry->>'name' as school, r.pos
      from campaigns c cross join lateral jsonb_array_elements(c.config->'schools') with ordinality as r(entry, pos)
      where c.id = ${campaignId}`;

/** Each roster school with its latest 情况统计表: of a bureau's several rows, the last. */
export async function eachRosterStats(
  db: Executor,
  campaignId: number,
  visit: (row: { school: string; form: DigestStatsRow | null }) => void | Promise<void>,
): Promise<void> {
  const query = sql`with roster as (${roster(campaignId)}),
       latest as (
         select distinct on (v.school) v.* from dashboard.stats_forms v join campaigns c on c.slug = v.campaign
         where c.id = ${campaignId} and v.is_latest order by v.school, v.row_index desc)
     select latest.*, roster.school as roster_school, latest.school is not null as has_form
     from roster left join latest on latest.school = roster.school
     order by roster.pos`;
  await eachRow<Row>(db, query, (r) => visit({ school: String(r.roster_school), form: r.has_form ? statsFormOf(r) : null }));
}

/** Each roster school with its latest 信息采集表. */
export async function eachRosterInfo(
  db: Executor,
  campaignId: number,
  visit: (row: { school: string; form: DigestInfoRow | null }) => void | Promise<void>,
): Promise<void> {
  const query = sql`with roster as (${roster(campaignId)}),
       latest as (
         select v.* from dashboard.info_forms v join campaigns c on c.slug = v.campaign
         where c.id = ${campaignId} and v.is_latest)
     select latest.*, roster.school as roster_school, latest.school is not null as has_form
     from roster left join latest on latest.school = roster.school
     order by roster.pos`;
  await eachRow<Row>(db, query, (r) => visit({ school: String(r.roster_school), form: r.has_form ? infoFormOf(r) : null }));
}

type DayCounts = { daily_reports: number; photos: number; videos: number };

export interface RosterDailyRow {
  school: string;
  /** One entry per day asked for, in that order; zeros on a day with nothing. */
  perDay: DayCounts[];
}

/**
 * The roster's counts of 稿件, 照片 and 视频 on `days` (YYYY-MM-DD): first their totals over
 * the roster, then each school's, by the rule of dashboard.daily_matrix (documents by
 * activity day within the campaign's period, whatever the mail's status). Counted from the
 * tables, in one scan: the view counts every school of every campaign before it is filtered.
 */
export async function eachRosterDaily(
  db: Executor,
  campaignId: number,
  days: readonly string[],
  totals: (perDay: DayCounts[]) => void,
  visit: (row: RosterDailyRow) => void | Promise<void>,
): Promise<void> {
  const query = sql`with roster as (${roster(campaignId)}),
       days as (select d::date as day, n from jsonb_array_elements_text(${JSON.stringify(days)}::jsonb) with ordinality as t(d, n)),
       -- Materialized: read once, not the campaign's whole config (its roster) per document.
       period as materialized (
         select (config->'period'->>'start')::date as first, (config->'period'->>'end')::date as last from campaigns where id = ${campaignId}),
       counts as (
         select m.school_id, d.activity_day as day,
                count(*) filter (where d.kind = 'daily_report')::int as daily_reports,
                count(*) filter (where d.kind = 'media_photo')::int as photos,
                count(*) filter (where d.kind = 'media_video')::int as videos
         from documents d join messages m on m.id = d.message_id, period
         where m.campaign_id = ${campaignId} and m.school_id is not null
           and d.activity_day between period.first and period.last
           and d.activity_day in (select day from days)
         group by m.school_id, d.activity_day),
       per_school_day as materialized (
         select roster.pos, roster.school, days.n,
                coalesce(counts.daily_reports, 0) as daily_reports, coalesce(counts.photos, 0) as photos, coalesce(counts.videos, 0) as videos
         from roster
         join schools s on s.campaign_id = ${campaignId} and s.name = roster.school
         cross join days
         left join counts on counts.school_id = s.id and counts.day = days.day),
       per_day as (
         select n, sum(daily_reports)::int as daily_reports, sum(photos)::int as photos, sum(videos)::int as videos
         from per_school_day group by n)
     select 0::bigint as pos, null::text as school,
            array_agg(daily_reports order by n) as daily_reports, array_agg(photos order by n) as photos, array_agg(videos order by n) as videos
     from per_day
     union all
     select pos, school,
            array_agg(daily_reports order by n), array_agg(photos order by n), array_agg(videos order by n)
     from per_school_day group by pos, school
     order by pos`;
  await eachRow<Row>(db, query, (r) => {
    const perDay = dayCountsOf(r);
    if (r.school === null) return totals(perDay);
    return visit({ school: String(r.school), perDay });
  });
}

function dayCountsOf(r: Row): DayCounts[] {
  const reports = (r.daily_reports as number[] | null) ?? [];
  const photos = (r.photos as number[] | null) ?? [];
  const videos = (r.videos as number[] | null) ?? [];
  return reports.map((n, i) => ({ daily_reports: n, photos: photos[i] ?? 0, videos: videos[i] ?? 0 }));
}

/**
 * The 合计 of the roster schools' latest 情况统计表 (every row of a bureau's form counts),
 * summed in the database: the digest mail shows only these totals. As core's statsTotals:
 * a media total left empty is the sum of its levels; coverage over implied enrolment.
 */
export async function sumRosterStats(db: Executor, campaignId: number, levels: readonly string[]): Promise<StatsTotals> {
  const result = await db.execute(sql`with roster as (${roster(campaignId)}),
       latest as (
         select v.* from dashboard.stats_forms v join campaigns c on c.slug = v.campaign
         where c.id = ${campaignId} and v.is_latest and v.school in (select school from roster)),
       levels as (select l from jsonb_array_elements_text(${JSON.stringify(levels)}::jsonb) as t(l))
     select count(*)::int as reporting,
            coalesce(sum(teachers), 0)::float8 as teachers,
            coalesce(sum(students), 0)::float8 as students,
            coalesce(sum(students) filter (where students is not null and student_coverage_pct > 0), 0)::float8 as covered,
            coalesce(sum(students / (student_coverage_pct / 100)) filter (where students is not null and student_coverage_pct > 0), 0)::float8 as enrolled,
            coalesce(sum(enterprises), 0)::float8 as enterprises,
            coalesce(sum(total_participants), 0)::float8 as total_participants,
            coalesce(sum(activity_items), 0)::float8 as activity_items,
            coalesce(sum(coalesce(media_reports_total,
              (select sum(e.value::text::numeric) from jsonb_each(media_reports_by_level) e where jsonb_typeof(e.value) = 'number'))), 0)::float8 as media_reports_total,
            (select coalesce(jsonb_object_agg(levels.l, (
               select coalesce(sum((x.media_reports_by_level->>levels.l)::numeric) filter (where jsonb_typeof(x.media_reports_by_level->levels.l) = 'number'), 0)::float8
               from latest x)), '{}'::jsonb) from levels) as by_level
     from latest`);
  const r = result.rows[0] as Row;
  return {
    reporting: Number(r.reporting),
    teachers: Number(r.teachers),
    students: Number(r.students),
    student_coverage_pct: coveragePct(Number(r.covered), Number(r.enrolled)),
    enterprises: Number(r.enterprises),
    total_participants: Number(r.total_participants),
    activity_items: Number(r.activity_items),
    media_reports_total: Number(r.media_reports_total),
    media_reports_by_level: Object.fromEntries(levels.map((l) => [l, Number((r.by_level as Record<string, number>)[l] ?? 0)])),
  };
}
