import type ExcelJS from "exceljs";

/**
 * Writing cells the way the official forms look, and safely, through exceljs's streaming
 * writer: a row is written to the file when it is committed, so a sheet of 10,000 schools
 * never sits in memory. What the streaming writer needs up front (views, column widths) is
 * worked out before the first row: widths by `ColumnWidths` over the same values written.
 * Values from schools (names, contacts, URLs, plans) end up in a workbook officials open
 * and forward upward.
 */

/**
 * Formula injection (SPEC §5, OWASP "CSV Injection"): exceljs writes a JS string as a string
 * cell, never as a formula (checked: `<c t="inlineStr">` without shared strings, no `<f>`),
 * so the file as written is safe. But the text is live again as soon as a clerk edits the
 * cell or saves the sheet as CSV and reopens it. So text that begins with = + - @, a tab or
 * a CR gets a leading single quote, as OWASP advises: visible, plain, and inert everywhere.
 * (exceljs cannot set Excel's own invisible `quotePrefix` style; a zero-width character
 * would hide that the value was altered.)
 */
export function inertText(s: string): string {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

export type CellInput = string | number | null | undefined;

/** The value a cell gets for `value`: nothing for empty input, inert text for strings. */
export function cellValue(value: CellInput): string | number | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  return typeof value === "number" ? value : inertText(value);
}

export function put(cell: ExcelJS.Cell, value: CellInput): void {
  const v = cellValue(value);
  if (v !== undefined) cell.value = v;
}

const thin = { style: "thin" as const, color: { argb: "FF9E9E9E" } };
export const border: Partial<ExcelJS.Borders> = { top: thin, left: thin, bottom: thin, right: thin };

/**
 * Cell styles are whole, shared, frozen objects: exceljs's style registry remembers an
 * object it has seen (a WeakMap), so a shared style costs nothing per cell, where a
 * per-cell one is serialised to XML for every cell to find its id (a third of the CPU for
 * 10,000 schools). Frozen because `cell.font = …` would change every cell that shares it:
 * a cell that differs gets another whole style.
 */
function sharedStyle(style: Partial<ExcelJS.Style>): Partial<ExcelJS.Style> {
  return Object.freeze(style);
}

const headerStyle = sharedStyle({
  font: { bold: true },
  alignment: { horizontal: "center", vertical: "middle", wrapText: true },
  fill: { type: "pattern", pattern: "solid", fgColor: { argb: "FFF2F2F2" } },
  border,
});
export const bodyStyle = sharedStyle({ border, alignment: { vertical: "middle", wrapText: false } });
export const wrappedBodyStyle = sharedStyle({ border, alignment: { vertical: "middle", wrapText: true } });
/** The 合计 row. */
export const totalStyle = sharedStyle({ ...bodyStyle, font: { bold: true } });

const percentStyles = new Map<Partial<ExcelJS.Style>, Map<string, Partial<ExcelJS.Style>>>();

/** `base` showing a fraction as a percentage: 85% for a whole percentage, 85.5% otherwise. */
export function percentStyle(base: Partial<ExcelJS.Style>, pct: number): Partial<ExcelJS.Style> {
  const numFmt = Number.isInteger(pct) ? "0%" : "0.0%";
  const byFormat = percentStyles.get(base) ?? new Map<string, Partial<ExcelJS.Style>>();
  percentStyles.set(base, byFormat);
  const style = byFormat.get(numFmt) ?? sharedStyle({ ...base, numFmt });
  byFormat.set(numFmt, style);
  return style;
}

/** A header cell of a form: its text, merged over rows × columns when it spans. */
export interface HeaderCell {
  row: number;
  col: number;
  text: string;
  rows?: number;
  cols?: number;
}

/** A worksheet of the streaming writer, frozen below its header and left of its first column. */
export function openSheet(wb: ExcelJS.Workbook, name: string, widths: readonly number[], frozenRows: number, frozenCols = 1): ExcelJS.Worksheet {
  // The streaming writer writes the views when the sheet opens and the widths before the first row.
  const ws = wb.addWorksheet(name, { views: [{ state: "frozen", xSplit: frozenCols, ySplit: frozenRows }] });
  ws.columns = widths.map((width) => ({ width }));
  return ws;
}

/** Row 1: the form's title, merged over its width. */
export function titleRow(ws: ExcelJS.Worksheet, title: string, width: number): void {
  ws.mergeCells(1, 1, 1, Math.max(width, 1));
  const cell = ws.getCell(1, 1);
  put(cell, title);
  cell.font = { bold: true, size: 14 };
  cell.alignment = { horizontal: "center", vertical: "middle" };
  ws.getRow(1).height = 28;
}

export function headerCells(ws: ExcelJS.Worksheet, heads: readonly HeaderCell[]): void {
  for (const h of heads) {
    const rows = h.rows ?? 1;
    const cols = h.cols ?? 1;
    if (rows > 1 || cols > 1) ws.mergeCells(h.row, h.col, h.row + rows - 1, h.col + cols - 1);
    for (let r = h.row; r < h.row + rows; r++) for (let c = h.col; c < h.col + cols; c++) ws.getCell(r, c).style = headerStyle;
    put(ws.getCell(h.row, h.col), h.text);
  }
}

/** One body row, bordered over the sheet's width; the caller commits it (writes it to the file). */
export function writeRow(ws: ExcelJS.Worksheet, row: number, values: readonly CellInput[], width: number, style = bodyStyle): ExcelJS.Row {
  const r = ws.getRow(row);
  for (let c = 1; c <= width; c++) {
    const cell = r.getCell(c);
    put(cell, values[c - 1]);
    cell.style = style;
  }
  return r;
}

/** The italic line under a table (说明, legend). */
export function noteRow(ws: ExcelJS.Worksheet, row: number, text: string): void {
  const cell = ws.getCell(row, 1);
  put(cell, text);
  cell.font = { italic: true, color: { argb: "FF666666" } };
  ws.getRow(row).commit();
}

/**
 * Column widths from the longest line in each column, CJK characters counting double, kept
 * between a readable minimum and a maximum beyond which the text wraps. Fed every value a
 * column shows except the merged title's and the note's under the table (they would widen
 * the first column); a merged header counts for every column it spans.
 */
export class ColumnWidths {
  readonly #widest: number[] = [];

  constructor(
    private readonly min = 8,
    private readonly max = 40,
  ) {}

  see(col: number, value: CellInput): void {
    const v = cellValue(value);
    if (v === undefined) return;
    let widest = this.#widest[col - 1] ?? this.min;
    for (const line of String(v).split("\n")) widest = Math.max(widest, displayWidth(line) + 2);
    this.#widest[col - 1] = widest;
  }

  seeRow(values: readonly CellInput[]): void {
    values.forEach((v, i) => this.see(i + 1, v));
  }

  seeHeaders(heads: readonly HeaderCell[]): void {
    for (const h of heads) for (let c = h.col; c < h.col + (h.cols ?? 1); c++) this.see(c, h.text);
  }

  /** One width per column up to the last one that holds a value. */
  widths(): number[] {
    return Array.from(this.#widest, (w) => Math.min(w ?? this.min, this.max));
  }
}

function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u2E80-\uFFEF]/.test(ch) ? 2 : 1;
  return w;
}
