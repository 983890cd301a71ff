import { round, summarize } from "./stats.ts";

/**
 * One figure of the table: Baosong's values over the repeats, the ceiling measured
 * in the same runs, and how the two compare.
 */
export interface Measurement {
  /** The row number (1–9), as `--only` takes it. */
  row: string;
  figure: string;
  unit: string;
  values: number[];
  ceiling?: { label: string; values: number[] };
  /**
   * share: Baosong's speed as a share of the ceiling's (≤ 1; rates divided, or times inverted);
   * multiple: Baosong's value divided by the ceiling's (how many times slower or bigger).
   */
  ratio?: "share-rate" | "share-time" | "multiple";
  target: string;
  note?: string;
}

export function ratioOf(m: Measurement): number | null {
  if (!m.ceiling || !m.ratio || !m.values.length || !m.ceiling.values.length) return null;
  const b = summarize(m.values).median;
  const c = summarize(m.ceiling.values).median;
  if (m.ratio === "share-rate") return b / c;
  if (m.ratio === "share-time") return c / b;
  return b / c;
}

/** One JSON line per measurement, for comparing runs (`grep '^{"bench":"e2e"'`). */
export function jsonLine(m: Measurement, context: Record<string, unknown>): string {
  const s = m.values.length ? summarize(m.values) : null;
  const c = m.ceiling?.values.length ? summarize(m.ceiling.values) : null;
  const ratio = ratioOf(m);
  return JSON.stringify({
    bench: "e2e",
    row: m.row,
    figure: m.figure,
    unit: m.unit,
    values: m.values.map(round),
    min: s && round(s.min),
    median: s && round(s.median),
    ceiling: m.ceiling && { label: m.ceiling.label, values: m.ceiling.values.map(round), median: c && round(c.median) },
    ratio: ratio === null ? null : round(ratio),
    target: m.target,
    note: m.note,
    ...context,
  });
}

/** The table of the README's performance section, in the order. */
export function markdownTable(measurements: Measurement[]): string {
  const fmt = (x: number) => String(round(x));
  const rows = measurements.map((m) => {
    const s = m.values.length ? summarize(m.values) : null;
    const c = m.ceiling?.values.length ? summarize(m.ceiling.values) : null;
    const ratio = ratioOf(m);
    const ratioText = ratio === null ? "—" : m.ratio === "multiple" ? `${fmt(ratio)}×` : fmt(ratio);
    return [
      m.row,
      m.figure,
      s ? `${fmt(s.min)} / ${fmt(s.median)} ${m.unit} (n=${s.n})` : "failed",
      c && m.ceiling ? `${m.ceiling.label} ${fmt(c.median)} ${m.unit}` : "—",
      ratioText,
      m.note ? `${m.target} (${m.note})` : m.target,
    ];
  });
  return [
    "| # | figure | Baosong min / median | ceiling (median) | ratio | target |",
    "|---|---|---|---|---|---|",
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}
