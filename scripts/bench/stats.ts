/** Small, pure number helpers for the bench: summaries of repeats and latency percentiles. */

export interface Summary {
  n: number;
  min: number;
  median: number;
  max: number;
}

/** Min, median and max of the repeats of one figure (the median of an even count is the lower middle). */
export function summarize(values: readonly number[]): Summary {
  if (!values.length) throw new Error("summarize: no values");
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, min: sorted[0]!, median: sorted[Math.floor((sorted.length - 1) / 2)]!, max: sorted[sorted.length - 1]! };
}

/** The nearest-rank percentile (p in 0–100): the smallest value with at least p% of values at or below it. */
export function percentile(values: readonly number[], p: number): number {
  if (!values.length) throw new Error("percentile: no values");
  if (p < 0 || p > 100) throw new Error(`percentile: p=${p} is outside 0–100`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** Rounds for printing: 3 significant digits below 10, whole numbers above 100. */
export function round(x: number): number {
  if (!Number.isFinite(x)) return x;
  const abs = Math.abs(x);
  if (abs >= 100) return Math.round(x);
  if (abs >= 10) return Math.round(x * 10) / 10;
  return Math.round(x * 100) / 100;
}
