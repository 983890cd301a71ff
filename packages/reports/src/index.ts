export { buildDigestWorkbook, type DigestWorkbookInput } from "./digest-workbook.ts";
export { inertText } from "./sheet-writing.ts";
