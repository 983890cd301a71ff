/** A run of file positions (FCs) sharing paragraph or character properties, from an FKP page. */
export interface PropertyRun {
  fcStart: number;
  fcEnd: number;
  istd: number;
  grpprl: Buffer;
}

/** The run holding file position `fc`, by binary search over runs sorted by `fcStart`. */
export function runAt<R extends Pick<PropertyRun, "fcStart" | "fcEnd">>(runs: readonly R[], fc: number): R | null {
  let lo = 0;
  let hi = runs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = runs[mid]!;
    if (fc < r.fcStart) hi = mid - 1;
    else if (fc >= r.fcEnd) lo = mid + 1;
    else return r;
  }
  return null;
}
