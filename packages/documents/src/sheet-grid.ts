import type { CellRange, Sheet, SheetValue } from "@baosong/core";
import { SheetTooLargeError } from "./errors.ts";

/** Cells by row, then column (0-based), as a reader collects them. */
export type CellMap = Map<number, Map<number, SheetValue>>;

/**
 * Rows as the form readers want them: a merged region's value kept once at its top-left, rows
 * ending after their last value, empty rows in between as []. The cost counts the cells a
 * merge covers too, because the form readers walk them.
 */
export function toSheet(name: string, cells: CellMap, merges: CellRange[], stored: number, maxCells: number): Sheet {
  const covered = merges.reduce((n, m) => n + (m.bottom - m.top + 1) * (m.right - m.left + 1), 0);
  if (stored + cells.size + covered > maxCells) throw new SheetTooLargeError(name, "cells", maxCells);
  const byRow = new Map<number, CellRange[]>();
  for (const m of merges) for (let r = m.top; r <= m.bottom; r++) byRow.set(r, [...(byRow.get(r) ?? []), m]);
  const hidden = (row: number, col: number) => (byRow.get(row) ?? []).some((m) => col >= m.left && col <= m.right && (row !== m.top || col !== m.left));
  const rows: SheetValue[][] = [];
  // Rows are dense arrays: one value in column XFD of every row would make each 16,384 slots long.
  const maxSlots = Math.max(maxCells * 8, 2_000_000);
  let slots = 0;
  for (const [row, values] of [...cells].sort((a, b) => a[0] - b[0])) {
    const kept = [...values].filter(([col]) => !hidden(row, col));
    if (kept.length === 0) continue;
    const width = Math.max(...kept.map(([col]) => col)) + 1;
    slots += width;
    if (slots > maxSlots) throw new SheetTooLargeError(name, "cells", maxCells);
    const line: SheetValue[] = Array.from({ length: width }, () => null);
    for (const [col, v] of kept) line[col] = v;
    rows[row] = line;
  }
  return { name, cells: Array.from(rows, (r) => r ?? []), merges };
}

/** "A1:B2" (or "A1") → 0-based inclusive range; null when it is not a reference. */
export function decodeRange(ref: string): CellRange | null {
  const [from, to = from] = ref.split(":") as [string, string?];
  const a = decodeCell(from);
  const b = decodeCell(to);
  if (!a || !b) return null;
  return { top: Math.min(a[0], b[0]), left: Math.min(a[1], b[1]), bottom: Math.max(a[0], b[0]), right: Math.max(a[1], b[1]) };
}

/** "AB12" → [row, col], 0-based; null when it is not a cell reference. */
export function decodeCell(ref: string): [number, number] | null {
  // Hand-rolled: a worksheet has one reference per cell, tens of thousands of them.
  let i = 0;
  let col = 0;
  let row = 0;
  const s = ref.trim();
  if (s.charCodeAt(i) === 0x24) i++;
  const colStart = i;
  for (let c = s.charCodeAt(i) & ~0x20; c >= 0x41 && c <= 0x5a && i - colStart < 3; c = s.charCodeAt(++i) & ~0x20) col = col * 26 + c - 64;
  if (i === colStart) return null;
  if (s.charCodeAt(i) === 0x24) i++;
  const rowStart = i;
  for (let c = s.charCodeAt(i); c >= 0x30 && c <= 0x39 && i - rowStart < 7; c = s.charCodeAt(++i)) row = row * 10 + c - 48;
  if (i === rowStart || i !== s.length || row === 0) return null;
  return [row - 1, col - 1];
}
