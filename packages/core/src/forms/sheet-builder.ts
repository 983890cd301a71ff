import type { CellRange, Sheet, SheetValue } from "./sheet.ts";

/** "B2" → { row: 1, col: 1 }: A1 references as a clerk (and Excel) writes them. */
export function cellRef(a1: string): { row: number; col: number } {
  const m = /^([A-Z]+)(\d+)$/u.exec(a1.toUpperCase());
  if (!m) throw new Error(`not an A1 reference: ${a1}`);
  const col = Array.from(m[1]!).reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) - 1;
  return { row: Number(m[2]) - 1, col };
}

/** "I2:J2" → the 0-based inclusive range. */
export function rangeRef(a1: string): CellRange {
  const [from, to = from] = a1.split(":") as [string, string?];
  const a = cellRef(from);
  const b = cellRef(to);
  return { top: a.row, left: a.col, bottom: b.row, right: b.col };
}

/** A sheet from rows of values and merges in A1 notation, for fixtures and tests. */
export function sheetOf(rows: SheetValue[][], merges: readonly string[] = [], name = "Sheet1"): Sheet {
  return { name, cells: rows, merges: merges.map(rangeRef) };
}
