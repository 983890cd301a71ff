import type { Sheet } from "@baosong/core";
import { OPS } from "pdfjs-dist/legacy/build/pdf.mjs";
import type { TextItem } from "pdfjs-dist/types/src/display/api.js";
import { pageLines } from "./pdf.ts";
import { tablesToSheets, type GridCell, type GridRow, type TableBlock } from "./table-grid.ts";

/** A ruling line of the page, in PDF points (y grows upwards). */
export interface Ruling {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** A form's borders are a few hundred lines; a page drawing more is a picture, not a table to read. */
const MAX_RULINGS = 4000;
/** Coordinates closer than this (points) are one edge: borders are drawn half a point apart. */
const SNAP = 2.5;
/** A filled rectangle this thin is a border drawn as a fill (Word, WPS), not a shaded cell. */
const THIN = 2;
/** pdf.js path commands in a constructPath operand (DrawOPS). */
const MOVE = 0;
const LINE = 1;
const CURVE = 2;
const QUAD = 3;
const CLOSE = 4;

type Matrix = [number, number, number, number, number, number];
const multiply = (m: Matrix, n: Matrix): Matrix => [
  m[0] * n[0] + m[2] * n[1],
  m[1] * n[0] + m[3] * n[1],
  m[0] * n[2] + m[2] * n[3],
  m[1] * n[2] + m[3] * n[3],
  m[0] * n[4] + m[2] * n[5] + m[4],
  m[1] * n[4] + m[3] * n[5] + m[5],
];
const apply = (m: Matrix, x: number, y: number): [number, number] => [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]];

/**
 * The straight horizontal and vertical lines a page draws (table borders), from its operator
 * list: stroked path segments, and thin filled rectangles, placed by the current transform.
 */
export function pageRulings(ops: { fnArray: number[]; argsArray: unknown[] }): Ruling[] {
  const rulings: Ruling[] = [];
  const stack: Matrix[] = [];
  let ctm: Matrix = [1, 0, 0, 1, 0, 0];
  for (let i = 0; i < ops.fnArray.length; i++) {
    const fn = ops.fnArray[i];
    if (fn === OPS.save) stack.push(ctm);
    else if (fn === OPS.restore) ctm = stack.pop() ?? ctm;
    else if (fn === OPS.transform) ctm = multiply(ctm, ops.argsArray[i] as Matrix);
    else if (fn === OPS.constructPath) {
      const [paint, data] = ops.argsArray[i] as [number, (ArrayLike<number> | null)[]];
      const path = data?.[0];
      if (!path) continue;
      const filled = paint !== OPS.stroke && paint !== OPS.closeStroke;
      rulings.push(...pathRulings(path, ctm, filled));
    }
  }
  return rulings;
}

function pathRulings(path: ArrayLike<number>, ctm: Matrix, filled: boolean): Ruling[] {
  const points: [number, number][][] = [];
  let current: [number, number][] = [];
  for (let k = 0; k < path.length; ) {
    const op = path[k]!;
    if (op === MOVE || op === LINE) {
      if (op === MOVE && current.length > 0) points.push(current), (current = []);
      current.push(apply(ctm, path[k + 1]!, path[k + 2]!));
      k += 3;
    } else if (op === CURVE) k += 7;
    else if (op === QUAD) k += 5;
    else if (op === CLOSE) {
      if (current.length > 0) current.push(current[0]!);
      k += 1;
    } else break;
  }
  if (current.length > 0) points.push(current);
  const out: Ruling[] = [];
  for (const poly of points) {
    if (filled) {
      // A thin rectangle: its long middle line.
      const xs = poly.map((p) => p[0]);
      const ys = poly.map((p) => p[1]);
      const [x1, x2, y1, y2] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
      if (y2 - y1 <= THIN && x2 - x1 > THIN) out.push({ x1, x2, y1: (y1 + y2) / 2, y2: (y1 + y2) / 2 });
      else if (x2 - x1 <= THIN && y2 - y1 > THIN) out.push({ x1: (x1 + x2) / 2, x2: (x1 + x2) / 2, y1, y2 });
      continue;
    }
    for (let j = 1; j < poly.length; j++) {
      const [a, b] = [poly[j - 1]!, poly[j]!];
      if (Math.abs(a[1] - b[1]) < 0.5 || Math.abs(a[0] - b[0]) < 0.5) {
        out.push({ x1: Math.min(a[0], b[0]), x2: Math.max(a[0], b[0]), y1: Math.min(a[1], b[1]), y2: Math.max(a[1], b[1]) });
      }
    }
  }
  return out;
}

const isHorizontal = (r: Ruling) => r.y2 - r.y1 < 0.5 && r.x2 - r.x1 > SNAP;
const isVertical = (r: Ruling) => r.x2 - r.x1 < 0.5 && r.y2 - r.y1 > SNAP;

/** Lines that touch belong to one table: groups by overlapping (slightly widened) boxes. */
function groups(rulings: Ruling[]): Ruling[][] {
  const parent = rulings.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  for (let i = 0; i < rulings.length; i++) {
    for (let j = i + 1; j < rulings.length; j++) {
      const a = rulings[i]!;
      const b = rulings[j]!;
      if (a.x1 - SNAP <= b.x2 && b.x1 - SNAP <= a.x2 && a.y1 - SNAP <= b.y2 && b.y1 - SNAP <= a.y2) parent[find(i)] = find(j);
    }
  }
  const byRoot = new Map<number, Ruling[]>();
  rulings.forEach((r, i) => byRoot.set(find(i), [...(byRoot.get(find(i)) ?? []), r]));
  return [...byRoot.values()];
}

function snap(values: number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const out: number[] = [];
  for (const v of sorted) if (out.length === 0 || v - out.at(-1)! > SNAP) out.push(v);
  return out;
}

interface Box {
  top: number;
  bottom: number;
  left: number;
  right: number;
  rows: GridRow[];
}

/** A ruled table: row and column edges from its lines; a missing inner line is a merged cell. */
function ruledTable(lines: Ruling[], items: TextItem[], used: Set<TextItem>): Box | null {
  const hs = lines.filter(isHorizontal);
  const vs = lines.filter(isVertical);
  const ys = snap(hs.map((h) => h.y1)).reverse(); // top to bottom
  const xs = snap(vs.map((v) => v.x1));
  if (ys.length < 2 || xs.length < 2) return null;
  const hasV = (x: number, yTop: number, yBottom: number) =>
    vs.some((v) => Math.abs(v.x1 - x) <= SNAP && v.y1 - SNAP <= (yTop + yBottom) / 2 && v.y2 + SNAP >= (yTop + yBottom) / 2);
  const hasH = (y: number, xLeft: number, xRight: number) =>
    hs.some((h) => Math.abs(h.y1 - y) <= SNAP && h.x1 - SNAP <= (xLeft + xRight) / 2 && h.x2 + SNAP >= (xLeft + xRight) / 2);
  const taken = new Set<string>();
  const regions: { r: number; c: number; r2: number; c2: number }[] = [];
  for (let r = 0; r + 1 < ys.length; r++) {
    for (let c = 0; c + 1 < xs.length; c++) {
      if (taken.has(`${r},${c}`)) continue;
      let c2 = c;
      while (c2 + 2 < xs.length && !hasV(xs[c2 + 1]!, ys[r]!, ys[r + 1]!)) c2++;
      let r2 = r;
      while (r2 + 2 < ys.length && !hasH(ys[r2 + 1]!, xs[c]!, xs[c + 1]!)) r2++;
      for (let i = r; i <= r2; i++) for (let j = c; j <= c2; j++) taken.add(`${i},${j}`);
      regions.push({ r, c, r2, c2 });
    }
  }
  const texts = new Map<string, TextItem[]>();
  for (const item of items) {
    if (item.str.trim() === "") continue;
    const x = (item.transform[4] as number) + item.width / 2;
    const y = (item.transform[5] as number) + item.height / 3;
    const region = regions.find((g) => x >= xs[g.c]! && x <= xs[g.c2 + 1]! && y <= ys[g.r]! && y >= ys[g.r2 + 1]!);
    if (!region) continue;
    used.add(item);
    const key = `${region.r},${region.c}`;
    texts.set(key, [...(texts.get(key) ?? []), item]);
  }
  const rows: GridRow[] = Array.from({ length: ys.length - 1 }, () => ({ cells: [] as GridCell[] }));
  for (const g of regions) {
    const cell: GridCell = { text: cellText(texts.get(`${g.r},${g.c}`) ?? []), left: xs[g.c]!, right: xs[g.c2 + 1]! };
    rows[g.r]!.cells.push(cell);
    for (let i = g.r + 1; i <= g.r2; i++) rows[i]!.cells.push({ text: "", left: cell.left, right: cell.right, vMerge: "continue" });
    if (g.r2 > g.r) cell.vMerge = "restart";
  }
  for (const row of rows) row.cells.sort((a, b) => a.left - b.left);
  return { top: ys[0]!, bottom: ys.at(-1)!, left: xs[0]!, right: xs.at(-1)!, rows };
}

/** A cell's items line by line, top to bottom; a wrapped line continues the text (Chinese has no spaces). */
function cellText(items: TextItem[]): string {
  return pageLines(items)
    .map((l) => l.text.replace(/\t/gu, " "))
    .join("")
    .trim();
}

/**
 * The ruled tables of a PDF's pages as sheets, as a Word table would give them: text outside
 * the tables becomes the lines above and below, a table at the top of a page continues the one
 * that ended the previous page.
 */
export function readPdfTables(pages: readonly { items: TextItem[]; rulings: Ruling[] }[]): Sheet[] {
  const blocks: TableBlock[] = [];
  let lines: string[] = [];
  let sinceTable: string[] | null = null;
  for (const page of pages) {
    const used = new Set<TextItem>();
    const straight = page.rulings.filter((r) => isHorizontal(r) || isVertical(r));
    const boxes = (straight.length > MAX_RULINGS ? [] : groups(straight))
      .map((g) => ruledTable(g, page.items, used))
      .filter((b): b is Box => b !== null && b.rows.length > 0 && b.rows.some((r) => r.cells.length > 1))
      .sort((a, b) => b.top - a.top);
    const outside = page.items.filter((i) => !used.has(i));
    for (const box of boxes) {
      const above = outside.filter((i) => !used.has(i) && (i.transform[5] as number) > box.top);
      for (const l of pageLines(above)) {
        lines.push(l.text);
        if (sinceTable && l.text.trim() !== "" && !/^[（(]?续表?/u.test(l.text.trim())) sinceTable = null;
      }
      for (const i of above) used.add(i);
      blocks.push({ rows: box.rows, before: lines, after: (lines = []), continues: sinceTable !== null && blocks.length > 0 });
      sinceTable = lines;
    }
    for (const l of pageLines(outside.filter((i) => !used.has(i)))) {
      lines.push(l.text);
      if (sinceTable && l.text.trim() !== "" && !/^[（(]?续表?|^[-—第]?\s*\d+\s*[-—页]?$/u.test(l.text.trim())) sinceTable = null;
    }
  }
  return tablesToSheets(blocks, { tolerance: SNAP, rowsBreakAcrossPages: true });
}
