export { readXlsxSheets, type XlsxLimits } from "./xlsx.ts";
export { readXlsSheets, type XlsLimits } from "./xls.ts";
export { readDocx, type DocxLimits } from "./docx.ts";
export { readDoc, type DocLimits } from "./doc.ts";
export type { PdfLimits, PdfReading } from "./pdf.ts";
export { readMediaFacts, bufferSource, type RandomAccess } from "./media/index.ts";
export { readFileContent, isReadableType, defaultFileReadLimits, officeTypes, type FileReadLimits, type FileReading } from "./read-file.ts";
export { DocumentParser, defaultParserThreads, type DocumentParserOptions } from "./document-parser.ts";
export { readAllBounded } from "./read-all.ts";
export {
  DocumentError,
  DocTooLargeError,
  DocxUnreadableError,
  EncryptedDocumentError,
  OldFormatError,
  MediaUnreadableError,
  OleUnreadableError,
  PdfUnreadableError,
  SheetTooLargeError,
  XlsxUnreadableError,
  type DocumentErrorCode,
} from "./errors.ts";
