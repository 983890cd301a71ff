/**
 * Why a document could not be read, as a machine `code` beside an English message for logs.
 * The worker turns these into findings and a parse_status; it never crashes on them.
 */
export type DocumentErrorCode =
  | "SHEET_TOO_LARGE"
  | "XLSX_UNREADABLE"
  | "DOC_TOO_LARGE"
  | "DOCX_UNREADABLE"
  /** An .xls/.et/.doc/.wps (OLE compound file) that is damaged, encrypted or not what it claims. */
  | "OLE_UNREADABLE"
  | "PDF_UNREADABLE"
  | "MEDIA_UNREADABLE"
  /** A password-protected file: Office's EncryptedPackage, an .xls FILEPASS, an encrypted .doc. */
  | "ENCRYPTED"
  /** A format older than the readers know: Word 6.0/95, Excel 2–4 (BIFF2–4). */
  | "OLD_FORMAT";

export abstract class DocumentError extends Error {
  abstract readonly code: DocumentErrorCode;
}

/**
 * Thrown before a workbook is parsed whole when a sheet holds more cells than allowed, or the
 * workbook unpacks to more bytes than allowed (SPEC §8: a limit, not an OOM).
 */
export class SheetTooLargeError extends DocumentError {
  readonly code = "SHEET_TOO_LARGE" as const;
  override name = "SheetTooLargeError";
  constructor(
    /** The worksheet part or name, or null when the workbook as a whole is too large. */
    readonly sheet: string | null,
    readonly measure: "cells" | "bytes" | "chars",
    readonly limit: number,
  ) {
    super(`${sheet ?? "workbook"} holds more than ${limit} ${measure}`);
  }
}

/** Thrown when the bytes are not an .xlsx workbook this reader can read (damaged, .xls renamed). */
export class XlsxUnreadableError extends DocumentError {
  readonly code = "XLSX_UNREADABLE" as const;
  override name = "XlsxUnreadableError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Thrown when a word-processing document unpacks to more bytes, or holds more characters,
 * than allowed (SPEC §8: a limit, not an OOM).
 */
export class DocTooLargeError extends DocumentError {
  readonly code = "DOC_TOO_LARGE" as const;
  override name = "DocTooLargeError";
  constructor(
    readonly measure: "chars" | "bytes",
    readonly limit: number,
  ) {
    super(`document holds more than ${limit} ${measure}`);
  }
}

/**
 * Thrown when an .xls/.et/.doc/.wps is not an OLE compound file this reader can walk (damaged,
 * truncated, a chain that loops), is encrypted, or lacks the stream its format needs.
 */
export class OleUnreadableError extends DocumentError {
  readonly code = "OLE_UNREADABLE" as const;
  override name = "OleUnreadableError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Thrown when the bytes are not a .docx this reader can read (damaged, encrypted, .doc renamed). */
export class DocxUnreadableError extends DocumentError {
  readonly code = "DOCX_UNREADABLE" as const;
  override name = "DocxUnreadableError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Thrown when a PDF cannot be opened or its pages not read: damaged, truncated, encrypted with a
 * password, or not a PDF at all. A scan without a text layer is readable (its text is just empty).
 */
export class PdfUnreadableError extends DocumentError {
  readonly code = "PDF_UNREADABLE" as const;
  override name = "PdfUnreadableError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Thrown when a photo or video announces its format but its headers are damaged or truncated: a
 * length past the end of the file, a box or segment that cannot be, a movie with no `moov`.
 */
export class MediaUnreadableError extends DocumentError {
  readonly code = "MEDIA_UNREADABLE" as const;
  override name = "MediaUnreadableError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Thrown when a file is protected by a password: without it there is nothing to read, and only
 * the school can remove it (SPEC §8: unreadable, with a finding that says how to fix it).
 */
export class EncryptedDocumentError extends DocumentError {
  readonly code = "ENCRYPTED" as const;
  override name = "EncryptedDocumentError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Thrown for a file saved in a format older than Word 97 / Excel 95: the school can re-save it. */
export class OldFormatError extends DocumentError {
  readonly code = "OLD_FORMAT" as const;
  override name = "OldFormatError";
  constructor(message: string) {
    super(message);
  }
}
