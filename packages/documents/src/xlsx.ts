import type { Readable } from "node:stream";
import type { Sheet } from "@baosong/core";
import { isCompoundFile } from "./cfb.ts";
import { isEncryptedPackage } from "./encrypted-package.ts";
import { EncryptedDocumentError, SheetTooLargeError, XlsxUnreadableError } from "./errors.ts";
import { OpcPackage } from "./opc-package.ts";
import { readAllBounded } from "./read-all.ts";
import { builtinFormats } from "./number-format.ts";
import { XmlFormatError, scanXml, decodeXmlText } from "./xml-scanner.ts";
import { readWorksheet, unescapeOoxml, type WorkbookContext } from "./xlsx-worksheet.ts";
import { ZipEntryTooLargeError, ZipFormatError } from "./zip-entries.ts";

export interface XlsxLimits {
  /** The most cells one worksheet may hold: every <c> and <row> written (WPS writes empty styled cells too) and every cell a merge covers. */
  maxCells: number;
  /** The most bytes the whole workbook may unpack to; 64 MiB by default. */
  maxUnpackedBytes?: number;
  /** The most characters of cell values in the whole workbook; 8 million by default. */
  maxChars?: number;
}

export const defaultMaxUnpackedBytes = 64 * 1024 * 1024;
export const defaultMaxWorkbookChars = 8_000_000;

/**
 * Reads every worksheet of an .xlsx as the form readers want it: values as displayed (rich text
 * joined, formulas' cached results, dates as YYYY-MM-DD, percentages as "85%") and merged
 * regions. Rows and columns come from the cells actually present, never from the declared
 * <dimension>, which WPS often writes wrong. Reads Excel's, WPS's and Tencent Docs' dialects
 * (namespace prefixes, inline strings, unnumbered rows, absolute or backslashed part names).
 * Bounded by bytes unpacked, cells per sheet and characters per workbook (SPEC §8).
 * Throws SheetTooLargeError, EncryptedDocumentError or XlsxUnreadableError.
 */
export async function readXlsxSheets(input: Buffer | Readable, limits: XlsxLimits): Promise<Sheet[]> {
  const budget = limits.maxUnpackedBytes ?? defaultMaxUnpackedBytes;
  const buf = Buffer.isBuffer(input) ? input : await readAllBounded(input, budget, () => new SheetTooLargeError(null, "bytes", budget));
  if (buf.length > budget) throw new SheetTooLargeError(null, "bytes", budget);
  if (isCompoundFile(buf)) throw compoundFileError(buf);
  try {
    return readWorkbook(new OpcPackage(buf, budget), limits);
  } catch (err) {
    if (err instanceof ZipEntryTooLargeError) throw new SheetTooLargeError(null, "bytes", budget);
    // A zip structure shorter than its fields makes Buffer reads throw RangeError: the file is damaged.
    if (err instanceof ZipFormatError || err instanceof XmlFormatError || err instanceof RangeError) {
      throw new XlsxUnreadableError(`not a readable .xlsx: ${err.message}`, { cause: err });
    }
    throw err;
  }
}

/** An OLE file where a zip was expected: a password-protected .xlsx, or an old .xls under a new name. */
function compoundFileError(buf: Buffer): Error {
  if (isEncryptedPackage(buf)) return new EncryptedDocumentError("the file is password protected (an OLE EncryptedPackage)");
  return new XlsxUnreadableError("an OLE compound file (an old .xls?), not an .xlsx");
}

function readWorkbook(pkg: OpcPackage, limits: XlsxLimits): Sheet[] {
  const workbookPart = pkg.relationships("").find((r) => r.type === "officeDocument" && pkg.has(r.part))?.part ?? "xl/workbook.xml";
  const workbookXml = pkg.text(workbookPart);
  if (workbookXml === null) throw new XlsxUnreadableError("the package has no workbook part");
  const rels = pkg.relationships(workbookPart);
  const byType = (type: string) => rels.find((r) => r.type === type && pkg.has(r.part))?.part;
  const { sheets, date1904 } = readWorkbookPart(workbookXml);
  const book: WorkbookContext = {
    sharedStrings: readSharedStrings(pkg.text(byType("sharedStrings") ?? "xl/sharedStrings.xml")),
    styleFormats: readStyleFormats(pkg.text(byType("styles") ?? "xl/styles.xml")),
    date1904,
    maxCells: limits.maxCells,
    chars: { used: 0, max: limits.maxChars ?? defaultMaxWorkbookChars },
  };
  const out: Sheet[] = [];
  sheets.forEach((s, i) => {
    const rel = rels.find((r) => r.id === s.relId);
    if (rel && rel.type !== "worksheet") return; // chart, dialog and macro sheets hold no cells
    const part = rel?.part ?? `xl/worksheets/sheet${i + 1}.xml`;
    const xml = pkg.text(part);
    if (xml !== null) out.push(readWorksheet(s.name, xml, book));
  });
  return out;
}

function readWorkbookPart(xml: string): { sheets: { name: string; relId: string }[]; date1904: boolean } {
  const sheets: { name: string; relId: string }[] = [];
  let date1904 = false;
  scanXml(xml, {
    open(name, a) {
      if (name === "sheet") sheets.push({ name: a.name ?? `Sheet${sheets.length + 1}`, relId: a.id ?? "" });
      else if (name === "workbookPr") date1904 = a.date1904 === "1" || a.date1904 === "true";
    },
    close: () => undefined,
  });
  return { sheets, date1904 };
}

/** Each <si>'s text: its <t>, or its runs' <t>s joined; phonetic guides (<rPh>) left out. */
function readSharedStrings(xml: string | null): string[] {
  const out: string[] = [];
  if (!xml) return out;
  let current: string | null = null;
  let inText = false;
  let phonetic = 0;
  scanXml(xml, {
    open(name, _a, selfClosing) {
      if (name === "si") current = "";
      else if (name === "t" && !selfClosing && phonetic === 0) inText = true;
      else if (name === "rPh") phonetic++;
    },
    close(name) {
      if (name === "t") inText = false;
      else if (name === "rPh") phonetic--;
      else if (name === "si" && current !== null) {
        out.push(unescapeOoxml(current));
        current = null;
      }
    },
    text(text, start, end) {
      if (inText && current !== null) current += decodeXmlText(text.slice(start, end));
    },
  });
  return out;
}

/** The number format code of each cell style (cellXfs), custom codes from <numFmts>, built-in ones by id. */
function readStyleFormats(xml: string | null): string[] {
  if (!xml) return [];
  const custom = new Map<number, string>();
  const xfFormatIds: number[] = [];
  let inCellXfs = false;
  scanXml(xml, {
    open(name, a) {
      if (name === "numFmt" && a.numFmtId !== undefined) custom.set(Number(a.numFmtId), a.formatCode ?? "General");
      else if (name === "cellXfs") inCellXfs = true;
      else if (name === "xf" && inCellXfs) xfFormatIds.push(Number(a.numFmtId ?? 0) || 0);
    },
    close(name) {
      if (name === "cellXfs") inCellXfs = false;
    },
  });
  return xfFormatIds.map((id) => custom.get(id) ?? builtinFormats[id] ?? "General");
}
