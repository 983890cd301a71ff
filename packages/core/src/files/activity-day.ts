/**
 * The campaign day an item belongs to (SPEC §2): the date named in the subject or file name
 * when there is one, in the ways clerks write it (5月16日, 5.16, 2022-05-16, 0516), else
 * the receiving date in campaign time.
 */
export interface ActivityDay {
  day: string;
  /** subject / filename / received: where the date came from. */
  source: "subject" | "filename" | "received";
}

export interface ActivityDayInput {
  subject: string | null;
  filename: string | null;
  /** The receiving date in campaign time (YYYY-MM-DD). */
  receivedDay: string;
  /** The campaign period, to tell a date from a phone number or a version number. */
  period: { start: string; end: string };
}

export function activityDayOf(input: ActivityDayInput): ActivityDay {
  const year = Number(input.receivedDay.slice(0, 4));
  for (const [text, source] of [
    [input.filename, "filename"],
    [input.subject, "subject"],
  ] as const) {
    const day = text ? dateIn(text, year, input.period) : null;
    if (day) return { day, source };
  }
  return { day: input.receivedDay, source: "received" };
}

const patterns: { re: RegExp; parts: (m: RegExpExecArray, year: number) => [number, number, number] }[] = [
  // 2022年5月16日, 2022-05-16, 2022.5.16, 2022/5/16, 20220516
  { re: /(20\d{2})\s*[年.\-/_]\s*(\d{1,2})\s*[月.\-/_]\s*(\d{1,2})\s*日?/, parts: (m) => [+m[1]!, +m[2]!, +m[3]!] },
  { re: /(?<!\d)(20\d{2})(\d{2})(\d{2})(?!\d)/, parts: (m) => [+m[1]!, +m[2]!, +m[3]!] },
  // 5月16日, 5月16号
  { re: /(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?/, parts: (m, y) => [y, +m[1]!, +m[2]!] },
  // 5.16, 5-16, 5_16 (not part of a longer number such as a version 1.5.16)
  { re: /(?<![\d.])(\d{1,2})[.\-_](\d{1,2})(?![\d.])/, parts: (m, y) => [y, +m[1]!, +m[2]!] },
  // 0516
  { re: /(?<!\d)(0\d|1[0-2])([0-3]\d)(?!\d)/, parts: (m, y) => [y, +m[1]!, +m[2]!] },
];

function dateIn(text: string, year: number, period: { start: string; end: string }): string | null {
  const normalized = text.normalize("NFKC");
  for (const { re, parts } of patterns) {
    const global = new RegExp(re.source, "g");
    for (const m of normalized.matchAll(global)) {
      const [y, mo, d] = parts(m as RegExpExecArray, year);
      const iso = isoDate(y, mo, d);
      // A bare month-day must fall near the campaign, or it is likely not a date (附件1.2).
      if (iso && (re.source.startsWith("(20") || withinPeriod(iso, period))) return iso;
    }
  }
  return null;
}

function isoDate(y: number, m: number, d: number): string | null {
  if (m < 1 || m > 12 || d < 1 || d > 31) return null;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCMonth() !== m - 1) return null;
  return date.toISOString().slice(0, 10);
}

/** Within the period, widened by two weeks each side (forms come before, summaries after). */
function withinPeriod(iso: string, period: { start: string; end: string }): boolean {
  const t = Date.parse(iso);
  const fortnight = 14 * 86_400_000;
  return t >= Date.parse(period.start) - fortnight && t <= Date.parse(period.end) + fortnight;
}
