export {
  cellText,
  cellValue,
  columnCount,
  findLabelCells,
  mergeAt,
  normalizeLabel,
  rowCount,
  type CellRange,
  type LabelCell,
  type Sheet,
  type SheetValue,
} from "./sheet.ts";
export type { Reporter } from "./label-value.ts";
export type { StatsColumnField, StatsCountField } from "./stats-columns.ts";
export * from "./stats-form.ts";
export * from "./info-form.ts";
export * from "./featured-list.ts";
export * from "./detect-form.ts";
