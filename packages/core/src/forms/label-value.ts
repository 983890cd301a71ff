import {
  cellText,
  columnCount,
  findLabelCells,
  isNoteText,
  normalizeLabel,
  rowCount,
  type CellRange,
  type FindOptions,
  type LabelCell,
  type Sheet,
} from "./sheet.ts";

/** A label found in a sheet, and the value written after a colon in the same cell, if any. */
export interface LabelHit {
  cell: LabelCell;
  inline: string | null;
}

/** Where a value was read from, 0-based: for findings and tests. */
export interface ValueAt {
  text: string;
  row: number;
  col: number;
  range: CellRange;
}

/** The template's stamp hint: "填报单位（盖章）" with "（盖章）" left beside the name. */
export const stampHint = /[(（]\s*盖\s*章\s*[)）]/gu;

/**
 * Cells holding a label, matched whole (`label` is anchored for you), alone or followed by
 * ":value" in the same cell, as title rows are often written ("联系人：张三").
 */
export function findLabels(sheet: Sheet, label: RegExp, options: FindOptions = {}): LabelHit[] {
  const whole = new RegExp(`^(?:${label.source})(?::(.*))?$`, label.flags.replace("g", ""));
  return findLabelCells(sheet, whole, { maxLength: 120, ...options }).map((cell) => {
    const colon = cell.text.search(/[:：]/u);
    const after =
      colon >= 0
        ? cell.text
            .slice(colon + 1)
            .replace(stampHint, "")
            .trim()
        : "";
    return { cell, inline: after === "" ? null : after };
  });
}

/**
 * The value right of a label: the first non-empty region to its right on the same row,
 * unless that region is itself a label (then the value was left empty).
 */
export function valueRightOf(sheet: Sheet, range: CellRange, isLabel: (text: string) => boolean): ValueAt | null {
  const width = columnCount(sheet);
  for (let c = range.right + 1; c < width; c++) {
    const text = cellText(sheet, range.top, c).replace(stampHint, "").trim();
    if (text === "") continue;
    if (isLabel(text)) return null;
    return { text, row: range.top, col: c, range: { top: range.top, left: c, bottom: range.top, right: c } };
  }
  return null;
}

/** The value under a label, in the row just below its region, unless that cell is a label or a 填表说明 note. */
export function valueBelow(sheet: Sheet, range: CellRange, isLabel: (text: string) => boolean): ValueAt | null {
  const row = range.bottom + 1;
  if (row >= rowCount(sheet)) return null;
  const text = cellText(sheet, row, range.left);
  if (text === "" || isLabel(text) || isNoteText(text)) return null;
  return { text, row, col: range.left, range: { top: row, left: range.left, bottom: row, right: range.left } };
}

/** Who filled a form in, from its title or signature rows (填报单位 / 填报人 / 联系电话). */
export interface Reporter {
  unit: string | null;
  name: string | null;
  phone: string | null;
}

const reporterLabels = {
  unit: /(填报|填表)单位(\(盖章\))?/u,
  name: /(填报|填表)人|联系人/u,
  phone: /联系电话|电话|手机/u,
} as const;

/** Labels of title and signature rows; a value never looks like one of these. */
export function isTitleLabel(text: string): boolean {
  return /^((填报|填表)(单位|人|日期)|联系人|联系电话|电话|手机|审核人|负责人|日期)(\(盖章\))?(:.*)?$/u.test(normalizeLabel(text));
}

/** Reads 填报单位, 填报人 and 联系电话 from the rows given (title rows above a table, or signatures below). */
export function readReporter(sheet: Sheet, rows: { fromRow: number; toRow: number }): Reporter {
  const read = (label: RegExp): string | null => {
    for (const hit of findLabels(sheet, label, rows)) {
      const value = hit.inline ?? valueRightOf(sheet, hit.cell.range, isTitleLabel)?.text ?? null;
      if (value) return value;
    }
    return null;
  };
  return { unit: read(reporterLabels.unit), name: read(reporterLabels.name), phone: read(reporterLabels.phone) };
}

/** True when the row holds a title/signature label such as 填报人 or 联系电话. */
export function isReporterRow(sheet: Sheet, row: number): boolean {
  const width = columnCount(sheet);
  for (let c = 0; c < width; c++) {
    const text = cellText(sheet, row, c);
    if (text && isTitleLabel(text)) return true;
  }
  return false;
}
