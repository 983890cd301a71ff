import type { CellRange, Sheet, SheetValue } from "@baosong/core";

/**
 * A table as a document holds it, before it becomes a sheet: rows of cells placed by their left
 * and right edges. The unit is the reader's own: grid columns in a .docx (w:gridSpan), twips in
 * a .doc (the row's rgdxaCenter), points in a PDF. A cell wider than its neighbours below is a
 * horizontal merge; `vMerge` says a cell continues the one above it (w:vMerge, the .doc TC flags).
 */
export interface GridCell {
  text: string;
  left: number;
  right: number;
  vMerge?: "restart" | "continue";
}

export interface GridRow {
  cells: GridCell[];
}

/** A table and the lines of text just above and below it (附件1, title, 填报单位, 填表说明). */
export interface TableBlock {
  rows: GridRow[];
  before: string[];
  after: string[];
  /** Nothing but blank lines or 续表 separates it from the previous table: one table split by a page. */
  continues: boolean;
}

/** Lines kept above and below a table: a form's title rows and its notes, not the whole notice. */
const CONTEXT_LINES = 8;
/**
 * A form has tens of columns and a district list a few thousand cells; a table beyond these is
 * not a form, and is left out rather than laid on a grid (its text is still in the paragraphs).
 */
export const MAX_TABLE_CELLS = 100_000;
const MAX_TABLE_EDGES = 512;

export interface GridOptions {
  /** Edges closer than this are one (twips in a .doc, points in a PDF). */
  tolerance?: number;
  /** A PDF page may break a row: the first row of a continued table then finishes the last one. */
  rowsBreakAcrossPages?: boolean;
}

/** Tables as sheets: continued tables joined (their repeated header dropped), context lines as rows. */
export function tablesToSheets(blocks: readonly TableBlock[], options: GridOptions = {}): Sheet[] {
  const tolerance = options.tolerance ?? 0;
  const joined: TableBlock[] = [];
  for (const block of blocks) {
    const last = joined.at(-1);
    if (last && block.continues) {
      const rows = withoutRepeatedHeader(last.rows, block.rows);
      const broken = options.rowsBreakAcrossPages && rows[0] && last.rows.at(-1) ? finishRow(last.rows.at(-1)!, rows[0], tolerance) : null;
      const kept = broken ? [...last.rows.slice(0, -1), broken, ...rows.slice(1)] : [...last.rows, ...rows];
      joined[joined.length - 1] = { ...last, rows: kept, after: block.after };
    } else joined.push(block);
  }
  const sheets: Sheet[] = [];
  for (const block of joined) {
    if (block.rows.reduce((n, r) => n + r.cells.length, 0) > MAX_TABLE_CELLS) continue;
    const edges = columnEdges(block.rows, tolerance);
    if (edges.length > MAX_TABLE_EDGES) continue;
    sheets.push(gridSheet(block, `表${sheets.length + 1}`, edges));
  }
  return sheets;
}

/**
 * The rest of a row a page break cut: its first cell is empty and each of its texts sits under a
 * filled cell of the row before. Null when the row is a row of its own.
 */
function finishRow(previous: GridRow, next: GridRow, tolerance: number): GridRow | null {
  const first = [...next.cells].sort((a, b) => a.left - b.left)[0];
  if (first?.text.trim() !== "") return null;
  const near = (a: GridCell, b: GridCell) => Math.abs(a.left - b.left) <= tolerance && Math.abs(a.right - b.right) <= tolerance;
  const filled = next.cells.filter((c) => c.text.trim() !== "");
  if (filled.length === 0 || !filled.every((c) => previous.cells.some((p) => near(p, c) && p.text.trim() !== ""))) return null;
  return { cells: previous.cells.map((p) => ({ ...p, text: p.text + (filled.find((c) => near(p, c))?.text ?? "") })) };
}

function rowKey(row: GridRow): string {
  return row.cells.map((c) => c.text.replace(/\s+/gu, "")).join("|");
}

/** A table continued on the next page often repeats its header rows: they are not data. */
function withoutRepeatedHeader(first: readonly GridRow[], next: readonly GridRow[]): GridRow[] {
  let skip = 0;
  while (skip < next.length && skip < first.length && skip < 3 && rowKey(next[skip]!) === rowKey(first[skip]!) && rowKey(next[skip]!) !== "") skip++;
  return next.slice(skip);
}

/**
 * A line of text split where a clerk spaced it out: "填报单位（盖章）：某校    填报日期：5月20日";
 * a PDF may close the gap to a few points, so a signature label with its colon starts a cell too.
 */
export function lineCells(line: string): string[] {
  return line
    .split(/\t+| {3,}|\u3000{2,}|(?<=\S)(?<!联系|填报|填表)(?=(?:填报人|填表人|联系人|联系电话|电话|填报日期|填表日期|日期)[:：])/u)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function gridSheet(block: TableBlock, name: string, edges: readonly number[]): Sheet {
  const col = (x: number) => nearestIndex(edges, x);
  const before = block.before
    .slice(-CONTEXT_LINES)
    .map(lineCells)
    .filter((c) => c.length > 0);
  const after = block.after
    .slice(0, CONTEXT_LINES)
    .map(lineCells)
    .filter((c) => c.length > 0);
  const cells: SheetValue[][] = before.map((c) => [...c]);
  const merges: CellRange[] = [];
  /** Regions still open for a vertical merge, by their left column. */
  const open = new Map<number, CellRange>();
  for (const row of block.rows) {
    const r = cells.length;
    const values: SheetValue[] = [];
    const continued = new Set<number>();
    for (const cell of row.cells) {
      const left = col(cell.left);
      const right = Math.max(left, col(cell.right) - 1);
      const above = open.get(left);
      if (cell.vMerge === "continue" && above && above.right === right) {
        above.bottom = r;
        continued.add(left);
        if (cell.text.trim() !== "") cells[above.top]![left] = joinText(cells[above.top]![left] ?? null, cell.text);
        continue;
      }
      values[left] = cell.text.trim() === "" ? null : cell.text.trim();
      const region = { top: r, left, bottom: r, right };
      open.set(left, region);
      continued.add(left);
      merges.push(region);
    }
    for (const left of [...open.keys()]) if (!continued.has(left)) open.delete(left);
    cells.push(Array.from(values, (v) => v ?? null));
  }
  for (const c of after) cells.push([...c]);
  return { name, cells, merges: merges.filter((m) => m.bottom > m.top || m.right > m.left) };
}

function joinText(a: SheetValue, b: string): string {
  return a === null || String(a).trim() === "" ? b.trim() : `${String(a)}\n${b.trim()}`;
}

/** Every distinct cell edge of the table, left to right; edges closer than `tolerance` are one. */
function columnEdges(rows: readonly GridRow[], tolerance: number): number[] {
  const all = rows.flatMap((r) => r.cells.flatMap((c) => [c.left, c.right])).sort((a, b) => a - b);
  const edges: number[] = [];
  for (const x of all) if (edges.length === 0 || x - edges.at(-1)! > tolerance) edges.push(x);
  return edges;
}

function nearestIndex(edges: readonly number[], x: number): number {
  let best = 0;
  for (let i = 1; i < edges.length; i++) if (Math.abs(edges[i]! - x) < Math.abs(edges[best]! - x)) best = i;
  return best;
}
