/**
 * A spreadsheet as the form readers see it, whatever file it came from: one worksheet,
 * its values as displayed (text or number), and its merged regions. Rows and columns are
 * 0-based; rows may be ragged (a row ends after its last value).
 */
export type SheetValue = string | number | null;

/** A merged region, 0-based and inclusive on all sides. */
export interface CellRange {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

export interface Sheet {
  name: string;
  cells: SheetValue[][];
  merges: CellRange[];
}

/** A cell found by its label, with the region it covers (itself when not merged). */
export interface LabelCell {
  row: number;
  col: number;
  range: CellRange;
  /** The label as `normalizeLabel` returns it. */
  label: string;
  /** The cell's text as written, trimmed. */
  text: string;
}

interface SheetIndex {
  cells: Sheet["cells"];
  merges: Sheet["merges"];
  rows: number;
  mergesByRow: Map<number, CellRange[]>;
  height: number;
  width: number;
}

const indexes = new WeakMap<Sheet, SheetIndex>();

/**
 * Merged regions by the rows they cover, and the sheet's extent; built once per sheet.
 * Treat a Sheet as read-only once read: a replaced `cells`/`merges` array or a changed row
 * count is noticed, an edit inside a row is not.
 */
function indexOf(sheet: Sheet): SheetIndex {
  let index = indexes.get(sheet);
  if (!index || index.cells !== sheet.cells || index.merges !== sheet.merges || index.rows !== sheet.cells.length) {
    const mergesByRow = new Map<number, CellRange[]>();
    let height = sheet.cells.length;
    let width = sheet.cells.reduce((n, row) => Math.max(n, row.length), 0);
    for (const m of sheet.merges) {
      height = Math.max(height, m.bottom + 1);
      width = Math.max(width, m.right + 1);
      for (let r = m.top; r <= m.bottom; r++) {
        const list = mergesByRow.get(r);
        if (list) list.push(m);
        else mergesByRow.set(r, [m]);
      }
    }
    index = { cells: sheet.cells, merges: sheet.merges, rows: sheet.cells.length, mergesByRow, height, width };
    indexes.set(sheet, index);
  }
  return index;
}

/** The merged region covering a cell, or null when it is not merged. */
export function mergeAt(sheet: Sheet, row: number, col: number): CellRange | null {
  return (
    indexOf(sheet)
      .mergesByRow.get(row)
      ?.find((m) => col >= m.left && col <= m.right) ?? null
  );
}

/** The region a cell occupies: its merge, or the cell alone. */
export function rangeAt(sheet: Sheet, row: number, col: number): CellRange {
  return mergeAt(sheet, row, col) ?? { top: row, left: col, bottom: row, right: col };
}

/** A cell's value; inside a merged region, the value of its top-left cell. */
export function cellValue(sheet: Sheet, row: number, col: number): SheetValue {
  const m = mergeAt(sheet, row, col);
  const r = m ? m.top : row;
  const c = m ? m.left : col;
  return sheet.cells[r]?.[c] ?? null;
}

/** A cell's value as trimmed text ("" when empty). */
export function cellText(sheet: Sheet, row: number, col: number): string {
  const v = cellValue(sheet, row, col);
  return v === null ? "" : String(v).trim();
}

export function rowCount(sheet: Sheet): number {
  return indexOf(sheet).height;
}

export function columnCount(sheet: Sheet): number {
  return indexOf(sheet).width;
}

/** True when the cell is the top-left of its region (or not merged): read each region once. */
export function isRegionStart(sheet: Sheet, row: number, col: number): boolean {
  const m = mergeAt(sheet, row, col);
  return !m || (m.top === row && m.left === col);
}

/** True when no cell of the row holds a value. */
export function isBlankRow(sheet: Sheet, row: number): boolean {
  const width = columnCount(sheet);
  for (let c = 0; c < width; c++) if (cellText(sheet, row, c) !== "") return false;
  return true;
}

/**
 * A label as compared with patterns: NFKC (full-width letters, digits, （）and ： become
 * ASCII), no whitespace at all (labels wrap inside cells: "活动周\n初步考虑"), no
 * zero-width characters, no leading required-field star, no trailing colon.
 */
export function normalizeLabel(text: string): string {
  return text
    .normalize("NFKC")
    .replace(/[\s\u200b-\u200d\ufeff]+/gu, "")
    .replace(/[（]/gu, "(")
    .replace(/[）]/gu, ")")
    .replace(/^\*+/u, "")
    .replace(/[:：]+$/u, "");
}

/** A label as shown back to a clerk: whitespace removed, trailing hints such as (300字以内) dropped. */
export function displayLabel(text: string): string {
  const compact = text.replace(/[\s\u200b-\u200d\ufeff]+/gu, "").replace(/[:：]+$/u, "");
  const bare = compact.replace(/([(（][^()（）]*[)）])+$/u, "");
  return bare || compact;
}

export interface FindOptions {
  /** First row searched (inclusive), default 0. */
  fromRow?: number;
  /** Last row searched (exclusive), default the sheet's end. */
  toRow?: number;
  /** Longer texts are values, not labels; default 40 characters. */
  maxLength?: number;
}

/** Cells whose normalised text matches the pattern, each merged region once, row by row. */
export function findLabelCells(sheet: Sheet, pattern: RegExp, options: FindOptions = {}): LabelCell[] {
  const found: LabelCell[] = [];
  const to = Math.min(options.toRow ?? Infinity, rowCount(sheet));
  const width = columnCount(sheet);
  for (let r = options.fromRow ?? 0; r < to; r++) {
    for (let c = 0; c < width; c++) {
      if (!isRegionStart(sheet, r, c)) continue;
      const text = cellText(sheet, r, c);
      if (!text || text.length > (options.maxLength ?? 40)) continue;
      const label = normalizeLabel(text);
      if (pattern.test(label)) found.push({ row: r, col: c, range: rangeAt(sheet, r, c), label, text });
    }
  }
  return found;
}

/** Notes below a form (填表说明, 备注): the table ends where they begin. */
export function isNoteText(text: string): boolean {
  return /^(填表说明|填报说明|说明|备注|注[:：]|注[1-9一二三])/u.test(normalizeLabel(text));
}
