import type { Readable } from "node:stream";
import type { CellRange, Sheet, SheetValue } from "@baosong/core";
import { openCompoundFile } from "./cfb.ts";
import { EncryptedDocumentError, OldFormatError, OleUnreadableError, SheetTooLargeError } from "./errors.ts";
import {
  biffRecords,
  BiffStrings,
  BOF,
  BOOLERR,
  BOUNDSHEET,
  CODEPAGE,
  codePage,
  DATEMODE,
  EOF,
  errorTexts,
  FILEPASS,
  FORMAT,
  FORMULA,
  LABEL,
  LABELSST,
  MERGEDCELLS,
  MULRK,
  NUMBER,
  readSst,
  readString,
  RecordCursor,
  RK,
  rkNumber,
  RSTRING,
  SST,
  STRING,
  XF,
} from "./xls-records.ts";
import { builtinFormats, displayNumber } from "./number-format.ts";
import { toSheet, type CellMap } from "./sheet-grid.ts";
import { readAllBounded } from "./read-all.ts";

export interface XlsLimits {
  /** The most cells one worksheet may hold: stored values, rows, and cells covered by merges. */
  maxCells: number;
  /** The most characters of cell values in the whole workbook (one SST string shown by every cell); 8 million by default. */
  maxChars?: number;
  /** The most bytes the file may take; 64 MiB by default. */
  maxUnpackedBytes?: number;
}

const defaultMaxUnpackedBytes = 64 * 1024 * 1024;
const defaultMaxWorkbookChars = 8_000_000;

interface Workbook {
  strings: BiffStrings;
  sst: string[];
  /** Each XF's number format code, by XF index. */
  xfFormats: string[];
  date1904: boolean;
  sheets: { name: string; offset: number }[];
}

/**
 * Reads every worksheet of an .xls (BIFF8, or the BIFF5/7 "Book" stream) or a WPS .et, the same
 * way readXlsxSheets reads an .xlsx: values as displayed (formulas' cached results, dates as
 * YYYY-MM-DD, percentages as "85%"), merged regions, rows ragged and sized by the cells present,
 * never by the DIMENSIONS record (WPS writes it wrong). Chart and macro sheets are skipped.
 * Throws SheetTooLargeError or OleUnreadableError (damaged, encrypted, not a workbook).
 */
export async function readXlsSheets(input: Buffer | Readable, limits: XlsLimits): Promise<Sheet[]> {
  const budget = limits.maxUnpackedBytes ?? defaultMaxUnpackedBytes;
  const buf = Buffer.isBuffer(input) ? input : await collect(input, budget);
  if (buf.length > budget) throw new SheetTooLargeError(null, "bytes", budget);
  const file = openCompoundFile(buf);
  const stream = file.stream("Workbook") ?? file.stream("Book");
  if (!stream) throw new OleUnreadableError("not a workbook: the compound file has no Workbook or Book stream");
  try {
    const book = readGlobals(stream);
    const chars = { used: 0, max: limits.maxChars ?? defaultMaxWorkbookChars };
    return book.sheets.map((s) => readSheet(stream, s.offset, s.name, book, limits.maxCells, chars));
  } catch (err) {
    // A record shorter than its fields make Buffer reads throw RangeError: the file is damaged.
    if (err instanceof RangeError) throw new OleUnreadableError(`a workbook record is damaged: ${err.message}`, { cause: err });
    throw err;
  }
}

const collect = (stream: Readable, maxBytes: number) => readAllBounded(stream, maxBytes, () => new SheetTooLargeError(null, "bytes", maxBytes));

/** The workbook globals substream: code page, shared strings, formats, XFs and the sheet list. */
function readGlobals(stream: Buffer): Workbook {
  const records = biffRecords(stream, 0);
  const first = records.next();
  if (first.done || first.value.type !== BOF || first.value.data.length < 4) throw new OleUnreadableError("the workbook stream does not begin with BOF");
  const version = first.value.data.readUInt16LE(0);
  const biff8 = version === 0x0600;
  if (!biff8 && version !== 0x0500) throw new OldFormatError(`unsupported BIFF version 0x${version.toString(16)} (Excel 95 or later is needed)`);
  const book: Workbook = { strings: new BiffStrings(biff8, "cp1252"), sst: [], xfFormats: [], date1904: false, sheets: [] };
  const formats = new Map<number, string>();
  const xfFormatIds: number[] = [];
  for (const r of records) {
    if (r.type === EOF) break;
    switch (r.type) {
      case FILEPASS:
        throw new EncryptedDocumentError("the workbook is encrypted (password protected); it cannot be read without the password");
      case CODEPAGE:
        book.strings = new BiffStrings(biff8, codePage(r.data.readUInt16LE(0)));
        break;
      case DATEMODE:
        book.date1904 = r.data.readUInt16LE(0) === 1;
        break;
      case FORMAT:
        // One damaged format costs that format (its cells show as plain numbers), not the workbook.
        tolerate(() => {
          const c = new RecordCursor(r);
          const id = c.u16();
          formats.set(id, biff8 ? book.strings.unicode(c, c.u16()) : book.strings.bytes(c, c.u8()));
        });
        break;
      case XF:
        // An XF must keep its place even when damaged: cells name styles by index.
        xfFormatIds.push(r.data.length >= 4 ? r.data.readUInt16LE(2) : 0);
        break;
      case SST:
        book.sst = readSst(new RecordCursor(r), book.strings);
        break;
      case BOUNDSHEET: {
        const c = new RecordCursor(r);
        const offset = c.u32();
        c.u8(); // visibility: hidden sheets are read too, as exceljs does
        const kind = c.u8();
        const name = biff8 ? book.strings.unicode(c, c.u8()) : book.strings.bytes(c, c.u8());
        // 0 is a worksheet (or dialog); 1 an Excel 4 macro sheet, 2 a chart, 6 a VB module.
        if (kind === 0) book.sheets.push({ name, offset });
        break;
      }
    }
  }
  book.xfFormats = xfFormatIds.map((id) => formats.get(id) ?? builtinFormats[id] ?? "General");
  return book;
}

type Cells = CellMap;

function tolerate(read: () => void): void {
  try {
    read();
  } catch (err) {
    if (!(err instanceof RangeError || err instanceof OleUnreadableError)) throw err;
  }
}

/** One worksheet substream, from its BOF to its EOF; nested chart substreams are skipped. */
function readSheet(stream: Buffer, offset: number, name: string, book: Workbook, maxCells: number, chars: { used: number; max: number }): Sheet {
  if (offset + 4 > stream.length || stream.readUInt16LE(offset) !== BOF) throw new OleUnreadableError(`sheet ${name} does not begin with BOF`);
  const cells: Cells = new Map();
  const merges: CellRange[] = [];
  let stored = 0;
  let depth = 0;
  let pendingString: { row: number; col: number } | null = null;
  const put = (row: number, col: number, value: SheetValue) => {
    if (value === null || (typeof value === "string" && value.trim() === "")) return;
    let r = cells.get(row);
    if (!r) cells.set(row, (r = new Map()));
    if (!r.has(col)) stored++;
    r.set(col, value);
    if (stored + cells.size > maxCells) throw new SheetTooLargeError(name, "cells", maxCells);
    if (typeof value === "string" && (chars.used += value.length) > chars.max) throw new SheetTooLargeError(name, "chars", chars.max);
  };
  const number = (row: number, col: number, xf: number, n: number) => put(row, col, displayNumber(n, book.xfFormats[xf], book.date1904));

  for (const r of biffRecords(stream, offset)) {
    if (r.type === BOF) depth++;
    else if (r.type === EOF && --depth === 0) break;
    if (depth !== 1) continue;
    const d = r.data;
    if (r.type === STRING) {
      if (pendingString) put(pendingString.row, pendingString.col, readString(new RecordCursor(r), book.strings, 2));
      pendingString = null;
      continue;
    }
    if (isCell(r.type)) pendingString = null;
    if (d.length < 6 && r.type !== MERGEDCELLS) continue;
    switch (r.type) {
      case LABELSST:
        put(d.readUInt16LE(0), d.readUInt16LE(2), book.sst[d.readUInt32LE(6)] ?? null);
        break;
      case LABEL:
      case RSTRING: {
        const c = new RecordCursor(r);
        c.skip(6);
        put(d.readUInt16LE(0), d.readUInt16LE(2), readString(c, book.strings, 2));
        break;
      }
      case NUMBER:
        number(d.readUInt16LE(0), d.readUInt16LE(2), d.readUInt16LE(4), d.readDoubleLE(6));
        break;
      case RK:
        number(d.readUInt16LE(0), d.readUInt16LE(2), d.readUInt16LE(4), rkNumber(d.readInt32LE(6)));
        break;
      case MULRK: {
        const row = d.readUInt16LE(0);
        const first = d.readUInt16LE(2);
        for (let i = 0, p = 4; p + 6 <= d.length - 2; i++, p += 6) number(row, first + i, d.readUInt16LE(p), rkNumber(d.readInt32LE(p + 2)));
        break;
      }
      case BOOLERR:
        put(d.readUInt16LE(0), d.readUInt16LE(2), d[7] ? (errorTexts[d[6]!] ?? "#N/A") : d[6] ? "TRUE" : "FALSE");
        break;
      case FORMULA:
        pendingString = formula(d, book, put, number);
        break;
      case MERGEDCELLS:
        merges.push(...readMerges(d));
        break;
    }
  }
  return toSheet(name, cells, merges, stored, maxCells);
}

function isCell(type: number): boolean {
  return [LABELSST, LABEL, RSTRING, NUMBER, RK, MULRK, BOOLERR, FORMULA, 0x0201, 0x00be].includes(type);
}

/** A formula's cached result: a number, or a marker saying a STRING record follows (or a bool, error, empty text). */
function formula(
  d: Buffer,
  _book: Workbook,
  put: (row: number, col: number, v: SheetValue) => void,
  number: (row: number, col: number, xf: number, n: number) => void,
): { row: number; col: number } | null {
  if (d.length < 14) return null;
  const row = d.readUInt16LE(0);
  const col = d.readUInt16LE(2);
  if (d.readUInt16LE(12) !== 0xffff) {
    number(row, col, d.readUInt16LE(4), d.readDoubleLE(6));
    return null;
  }
  switch (d[6]) {
    case 0:
      return { row, col };
    case 1:
      put(row, col, d[8] ? "TRUE" : "FALSE");
      return null;
    case 2:
      put(row, col, errorTexts[d[8]!] ?? "#N/A");
      return null;
    default:
      return null;
  }
}

function readMerges(d: Buffer): CellRange[] {
  if (d.length < 2) return [];
  const count = d.readUInt16LE(0);
  const out: CellRange[] = [];
  for (let i = 0, p = 2; i < count && p + 8 <= d.length; i++, p += 8) {
    const [r1, r2, c1, c2] = [d.readUInt16LE(p), d.readUInt16LE(p + 2), d.readUInt16LE(p + 4), d.readUInt16LE(p + 6)];
    out.push({ top: Math.min(r1, r2), bottom: Math.max(r1, r2), left: Math.min(c1, c2), right: Math.max(c1, c2) });
  }
  return out;
}
