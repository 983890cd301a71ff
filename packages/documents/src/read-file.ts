import type { FileContent } from "@baosong/core";
import { openCompoundFile } from "./cfb.ts";
import { readDoc } from "./doc.ts";
import { readDocx } from "./docx.ts";
import { DocumentError, EncryptedDocumentError } from "./errors.ts";
import { readXlsSheets } from "./xls.ts";
import { readXlsxSheets } from "./xlsx.ts";

export interface FileReadLimits {
  /** Cells per sheet: a real 情况统计表 has a few hundred, a district list a few thousand. */
  maxCells: number;
  /** Characters of text: a summary report runs to a few thousand. */
  maxChars: number;
  /** Bytes a file, and what is unpacked from it, may take. */
  maxBytes: number;
  /** PDF pages read for text (the page count is always whole). */
  maxPdfPages: number;
}

export const defaultFileReadLimits: FileReadLimits = {
  maxCells: 200_000,
  maxChars: 200_000,
  maxBytes: 64 * 1024 * 1024,
  maxPdfPages: 50,
};

export const officeTypes = {
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xls: "application/vnd.ms-excel",
  doc: "application/msword",
  ole: "application/x-cfb",
  pdf: "application/pdf",
} as const;

/** Whether readFileContent has anything to say about a file of this (detected) media type. */
export function isReadableType(mediaType: string): boolean {
  return Object.values(officeTypes).includes(mediaType as (typeof officeTypes)[keyof typeof officeTypes]);
}

export interface FileReading {
  content: FileContent;
  /** The media type once the bytes were looked into: an OLE file becomes .xls or .doc. */
  mediaType: string;
}

/**
 * Reads a spreadsheet, a word-processing document or a PDF, whatever its name says: .xlsx,
 * .xls and WPS .et, .docx, .doc and WPS .wps, PDF text layers. An OLE compound file is told
 * apart by its streams (Workbook/Book → a workbook, WordDocument → a Word document).
 * Never throws for bad bytes: a file that cannot be read comes back `unreadable`.
 */
export async function readFileContent(bytes: Buffer, mediaType: string, limits: FileReadLimits): Promise<FileReading> {
  let type = mediaType;
  try {
    if (type === officeTypes.ole) type = oleType(bytes) ?? type;
    switch (type) {
      case officeTypes.xlsx:
        return { mediaType: type, content: { sheets: await readXlsxSheets(bytes, { maxCells: limits.maxCells, maxUnpackedBytes: limits.maxBytes }) } };
      case officeTypes.xls:
        return { mediaType: type, content: { sheets: await readXlsSheets(bytes, { maxCells: limits.maxCells, maxUnpackedBytes: limits.maxBytes }) } };
      case officeTypes.docx:
        return { mediaType: type, content: { doc: await readDocx(bytes, { maxChars: limits.maxChars, maxUnpackedBytes: limits.maxBytes }) } };
      case officeTypes.doc:
        return { mediaType: type, content: { doc: await readDoc(bytes, { maxChars: limits.maxChars, maxUnpackedBytes: limits.maxBytes }) } };
      case officeTypes.pdf: {
        // pdf.js (with its canvas polyfill) loads with the first PDF, not with every process.
        const { readPdf } = await import("./pdf.ts");
        const { facts, doc } = await readPdf(bytes, { maxChars: limits.maxChars, maxBytes: limits.maxBytes, maxPages: limits.maxPdfPages });
        return { mediaType: type, content: doc ? { pdf: facts, doc } : { pdf: facts } };
      }
      default:
        return { mediaType: type, content: {} };
    }
  } catch (err) {
    if (!(err instanceof DocumentError)) throw err;
    return { mediaType: type, content: { unreadable: { code: err.code, detail: err.message } } };
  }
}

/** Which Office program wrote an OLE compound file, from the streams it holds. */
function oleType(bytes: Buffer): string | null {
  const names = new Set(
    openCompoundFile(bytes)
      .streamNames()
      .map((n) => n.toLowerCase()),
  );
  // Office keeps a password-protected .xlsx/.docx as an OLE file around an EncryptedPackage.
  if (names.has("encryptedpackage")) throw new EncryptedDocumentError("the file is password protected (an OLE EncryptedPackage)");
  if (names.has("workbook") || names.has("book")) return officeTypes.xls;
  if (names.has("worddocument")) return officeTypes.doc;
  return null;
}
