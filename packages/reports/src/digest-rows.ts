import { statsTotals, type DailyCountRow, type DigestInfoRow, type DigestStatsRow, type StatsTotals } from "@baosong/core";

/**
 * Where the 汇总表 reads its per-school rows from: one row per roster school, in roster
 * order, handed to `visit` one at a time so that a campaign of 10,000 schools is never held
 * whole (the database adapter reads them through a cursor). The 信息采集表 rows are read
 * twice, once to size the columns and once to write them; the other sheets are sized by
 * their totals.
 */
export interface DigestRows {
  /** The school's latest 情况统计表 (of a bureau's several rows, the last), or null. */
  eachStats(visit: Visit<SchoolStatsRow>): Promise<void>;
  /** The school's latest 信息采集表, or null. */
  eachInfo(visit: Visit<SchoolInfoRow>): Promise<void>;
  /**
   * The counts per day, one entry per day of the workbook's `days`, in order: first their
   * totals over the roster, then each school's.
   */
  eachDaily(totals: (perDay: readonly DayCounts[]) => void, visit: Visit<SchoolDailyRow>): Promise<void>;
}

export type Visit<T> = (row: T) => void | Promise<void>;

export interface SchoolStatsRow {
  school: string;
  form: DigestStatsRow | null;
}

export interface SchoolInfoRow {
  school: string;
  form: DigestInfoRow | null;
}

export interface DayCounts {
  daily_reports: number;
  photos: number;
  videos: number;
}

export interface SchoolDailyRow {
  school: string;
  perDay: readonly DayCounts[];
}

/** What a caller holding the rows in arrays (tests, small previews) has. */
export interface DigestArrays {
  schools: readonly string[];
  mediaLevels: readonly string[];
  days: readonly string[];
  /** The latest 情况统计表 rows, any school, any order. */
  stats: readonly DigestStatsRow[];
  infoForms: readonly DigestInfoRow[];
  daily: readonly DailyCountRow[];
}

/** The rows of arrays as the streamed source gives them, and the totals of the counted forms. */
export function digestRowsOf(a: DigestArrays): { rows: DigestRows; statsTotals: StatsTotals } {
  const roster = new Set(a.schools);
  const stats = new Map(a.stats.map((s) => [s.school, s]));
  const info = new Map(a.infoForms.map((f) => [f.school, f]));
  const counts = new Map(a.daily.map((d) => [`${d.school}\u0000${d.day}`, d]));
  const none: DayCounts = { daily_reports: 0, photos: 0, videos: 0 };
  const each = async <T>(visit: Visit<T>, rowOf: (school: string) => T) => {
    for (const school of a.schools) await visit(rowOf(school));
  };
  return {
    rows: {
      eachStats: (visit) => each(visit, (school) => ({ school, form: stats.get(school) ?? null })),
      eachInfo: (visit) => each(visit, (school) => ({ school, form: info.get(school) ?? null })),
      eachDaily: (totals, visit) => {
        totals(a.days.map((day) => sumCounts(a.schools.map((school) => counts.get(`${school}\u0000${day}`) ?? none))));
        return each(visit, (school) => ({ school, perDay: a.days.map((day) => counts.get(`${school}\u0000${day}`) ?? none) }));
      },
    },
    // A form counts when its school is on the roster (an inactive school's form does not).
    statsTotals: statsTotals(
      a.stats.filter((s) => roster.has(s.school)),
      a.mediaLevels,
    ),
  };
}

function sumCounts(counts: readonly DayCounts[]): DayCounts {
  const sum = { daily_reports: 0, photos: 0, videos: 0 };
  for (const c of counts) {
    sum.daily_reports += c.daily_reports;
    sum.photos += c.photos;
    sum.videos += c.videos;
  }
  return sum;
}
