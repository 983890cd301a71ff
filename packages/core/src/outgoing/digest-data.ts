import type { Campaign, DocumentKind } from "../campaign.ts";
import type { InfoFields } from "../forms/info-form.ts";
import type { StatsFields } from "../forms/stats-form.ts";
import type { PlannedDigest } from "../schedule/outgoing-plan.ts";
import { statusMatrix, type ItemStatus, type SchoolStatus, type StatusMatrix } from "../schedule/school-status.ts";

/**
 * What a digest reports on (SPEC §5), shared by the digest mail and the workbook. Form
 * rows use the SPEC §4 field names, as the dashboard views have them, so a view row maps
 * straight onto them.
 */

/** The latest 情况统计表 of one school (dashboard.stats_forms where is_latest). */
export type DigestStatsRow = { school: string } & Omit<StatsFields, "unit_name" | "schools_participating" | "media_reports_by_level"> & {
    /** 参与活动的职业院校数: filled by district bureaus only. */
    schools_participating?: number | null;
    /** Keyed by the campaign's media level labels (市级及以上, 区县级 …). */
    media_reports_by_level: Readonly<Record<string, number | null | undefined>>;
  };

/** The latest 信息采集表 of one school (dashboard.info_forms where is_latest). */
export type DigestInfoRow = { school: string; unit_name?: string | null } & Omit<InfoFields, "unit_name" | "filler_name" | "filler_phone">;

/** One row of dashboard.daily_matrix. */
export interface DailyCountRow {
  school: string;
  day: string;
  daily_reports: number;
  photos: number;
  videos: number;
}

/** An item filed on the digest's day. */
export interface DaySubmission {
  /** The roster name; null when the mail could not be attributed. */
  school: string | null;
  receivedAt: Date;
  filename: string;
  kind: DocumentKind;
}

export interface OpenFindingsCount {
  school: string;
  errors: number;
  warnings: number;
}

/** A QQ 超大附件 link (dashboard.large_attachments): the file is lost after `expiresAt`. */
export interface ExpiringLink {
  school: string | null;
  filename: string;
  url: string;
  expiresAt: Date;
}

export interface StatsTotals {
  /** Schools whose form is counted. */
  reporting: number;
  teachers: number;
  students: number;
  /**
   * Across schools: participating students over implied enrolment (students ÷ coverage),
   * so a large school weighs more than a small one; null when no school gave both figures.
   */
  student_coverage_pct: number | null;
  enterprises: number;
  total_participants: number;
  activity_items: number;
  media_reports_total: number;
  media_reports_by_level: Record<string, number>;
}

export function statsTotals(rows: readonly DigestStatsRow[], levels: readonly string[]): StatsTotals {
  const sum = (f: (r: DigestStatsRow) => number | null | undefined) => rows.reduce((t, r) => t + (f(r) ?? 0), 0);
  let enrolled = 0;
  let covered = 0;
  for (const r of rows) {
    if (r.students != null && r.student_coverage_pct != null && r.student_coverage_pct > 0) {
      covered += r.students;
      enrolled += r.students / (r.student_coverage_pct / 100);
    }
  }
  return {
    reporting: rows.length,
    teachers: sum((r) => r.teachers),
    students: sum((r) => r.students),
    student_coverage_pct: coveragePct(covered, enrolled),
    enterprises: sum((r) => r.enterprises),
    total_participants: sum((r) => r.total_participants),
    activity_items: sum((r) => r.activity_items),
    media_reports_total: sum(mediaTotalOf),
    media_reports_by_level: Object.fromEntries(levels.map((l) => [l, sum((r) => r.media_reports_by_level[l])])),
  };
}

/** Participating students over implied enrolment, in percent to one decimal; null without enrolment. */
export function coveragePct(covered: number, enrolled: number): number | null {
  return enrolled > 0 ? Math.round((covered / enrolled) * 1000) / 10 : null;
}

/** A form's media total, or the sum of its levels when the total was left empty. */
export function mediaTotalOf(r: DigestStatsRow): number | null {
  if (r.media_reports_total != null) return r.media_reports_total;
  const given = Object.values(r.media_reports_by_level).filter((n): n is number => typeof n === "number");
  return given.length ? given.reduce((a, b) => a + b, 0) : null;
}

/** The media levels of the campaign's 情况统计表 (市级及以上 / 区县级 …). */
export function mediaLevelsOf(campaign: Campaign): string[] {
  return campaign.requirements.find((r) => r.kind === "stats_form")?.rules.media_levels ?? [];
}

/** How a cell of the status matrix reads: ✓ 按时 / 迟交 / ✗ 未交 / ! 有误, and 待交 before the deadline. */
export function statusLabel(status: ItemStatus, dueAt: Date, now: Date): string {
  switch (status) {
    case "on_time":
      return "✓ 按时";
    case "late":
      return "迟交";
    case "invalid":
      return "! 有误";
    default:
      return dueAt <= now ? "✗ 未交" : "待交";
  }
}

export const statusLegend = "✓ 按时：截止前已收到　迟交：截止后收到　✗ 未交：已过截止仍未收到　! 有误：收到但有错误需修改　待交：尚未到截止时间";

/** The part of a digest the planner and the campaign already know; the caller adds the day's data. */
export interface DigestFrame {
  campaignTitle: string;
  organizer: string;
  timeZone: string;
  day: string;
  final: boolean;
  now: Date;
  matrix: StatusMatrix;
  mediaLevels: string[];
  /** The campaign's page in the console (`web.base_url`), when one is configured. */
  consoleUrl?: string;
}

export function digestFrame(campaign: Campaign, planned: PlannedDigest, statuses: readonly SchoolStatus[], now: Date): DigestFrame {
  return {
    campaignTitle: campaign.title,
    organizer: campaign.organizer,
    timeZone: campaign.timezone,
    day: planned.day,
    final: planned.final,
    now,
    matrix: statusMatrix(campaign, statuses, now),
    mediaLevels: mediaLevelsOf(campaign),
    ...(campaign.web && { consoleUrl: `${campaign.web.base_url.replace(/\/+$/, "")}/c/${encodeURIComponent(campaign.slug)}` }),
  };
}
