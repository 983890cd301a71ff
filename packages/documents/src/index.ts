export { readXlsxSheets, type XlsxLimits } from "./xlsx.ts";
export { readDocx, type DocxLimits } from "./docx.ts";
export {
  DocumentError,
  DocTooLargeError,
  DocxUnreadableError,
  SheetTooLargeError,
  XlsxUnreadableError,
  type DocumentErrorCode,
} from "./errors.ts";
