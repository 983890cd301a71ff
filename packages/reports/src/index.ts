export { writeDigestWorkbook, WorkbookOutputClosedError, type DigestWorkbookInput } from "./digest-workbook.ts";
export {
  digestRowsOf,
  type DayCounts,
  type DigestArrays,
  type DigestRows,
  type SchoolDailyRow,
  type SchoolInfoRow,
  type SchoolStatsRow,
  type Visit,
} from "./digest-rows.ts";
export { inertText } from "./sheet-writing.ts";
