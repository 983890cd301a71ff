import type ExcelJS from "exceljs";

/**
 * Writing cells the way the official forms look, and safely. Values from schools (names,
 * contacts, URLs, plans) end up in a workbook officials open and forward upward.
 */

/**
 * Formula injection (SPEC §5, OWASP "CSV Injection"): exceljs writes a JS string as a shared
 * string, never as a formula (checked: `<c t="s">`, no `<f>`), so the file as written is
 * safe. But the text is live again as soon as a clerk edits the cell or saves the sheet as
 * CSV and reopens it. So text that begins with = + - @, a tab or a CR gets a leading single
 * quote, as OWASP advises: visible, plain, and inert everywhere. (exceljs cannot set Excel's
 * own invisible `quotePrefix` style; a zero-width character would hide that the value was
 * altered.)
 */
export function inertText(s: string): string {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

export type CellInput = string | number | null | undefined;

export function put(cell: ExcelJS.Cell, value: CellInput): void {
  if (value === null || value === undefined || value === "") return;
  cell.value = typeof value === "number" ? value : inertText(value);
}

const thin = { style: "thin" as const, color: { argb: "FF9E9E9E" } };
export const border: Partial<ExcelJS.Borders> = { top: thin, left: thin, bottom: thin, right: thin };

export function styleHeader(cell: ExcelJS.Cell): void {
  cell.font = { bold: true };
  cell.alignment = { horizontal: "center", vertical: "middle", wrapText: true };
  cell.fill = { type: "pattern", pattern: "solid", fgColor: { argb: "FFF2F2F2" } };
  cell.border = border;
}

export function styleBody(cell: ExcelJS.Cell, wrap = false): void {
  cell.border = border;
  cell.alignment = { vertical: "middle", wrapText: wrap };
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

/** One header cell, merged over rows × columns when it spans. */
export function headerCell(ws: ExcelJS.Worksheet, row: number, col: number, text: string, rows = 1, cols = 1): void {
  if (rows > 1 || cols > 1) ws.mergeCells(row, col, row + rows - 1, col + cols - 1);
  for (let r = row; r < row + rows; r++) for (let c = col; c < col + cols; c++) styleHeader(ws.getCell(r, c));
  put(ws.getCell(row, col), text);
}

export function freeze(ws: ExcelJS.Worksheet, rows: number, cols = 1): void {
  ws.views = [{ state: "frozen", xSplit: cols, ySplit: rows }];
}

/**
 * Column widths from the longest line in each column, CJK characters counting double, kept
 * between a readable minimum and a maximum beyond which the text wraps.
 */
export function fitColumns(ws: ExcelJS.Worksheet, min = 8, max = 40): void {
  for (let c = 1; c <= ws.columnCount; c++) {
    let widest = min;
    ws.eachRow((row, n) => {
      if (n === 1) return; // the merged title would widen the first column
      const v = row.getCell(c).value;
      if (v === null || v === undefined) return;
      for (const line of String(v).split("\n")) widest = Math.max(widest, displayWidth(line) + 2);
    });
    ws.getColumn(c).width = Math.min(widest, max);
  }
}

function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u2E80-\uFFEF]/.test(ch) ? 2 : 1;
  return w;
}
