export { readXlsxSheets, type XlsxLimits } from "./xlsx.ts";
export { DocumentError, SheetTooLargeError, XlsxUnreadableError, type DocumentErrorCode } from "./errors.ts";
