import type { Readable } from "node:stream";
import type { CellRange, Sheet, SheetValue } from "@baosong/core";
import iconv from "iconv-lite";
import { openCompoundFile } from "./cfb.ts";
import { OleUnreadableError, SheetTooLargeError } from "./errors.ts";
import { displayValue } from "./xlsx.ts";
import { readAllBounded } from "./read-all.ts";

export interface XlsLimits {
  /** The most cells one worksheet may hold: stored values, rows, and cells covered by merges. */
  maxCells: number;
  /** The most bytes the file may take; 64 MiB by default. */
  maxUnpackedBytes?: number;
}

const defaultMaxUnpackedBytes = 64 * 1024 * 1024;

// Record types of [MS-XLS] (BIFF8) that BIFF5/7 share.
const BOF = 0x0809;
const EOF = 0x000a;
const FILEPASS = 0x002f;
const CODEPAGE = 0x0042;
const DATEMODE = 0x0022;
const BOUNDSHEET = 0x0085;
const SST = 0x00fc;
const FORMAT = 0x041e;
const XF = 0x00e0;
const LABELSST = 0x00fd;
const LABEL = 0x0204;
const RSTRING = 0x00d6;
const NUMBER = 0x0203;
const RK = 0x027e;
const MULRK = 0x00bd;
const BOOLERR = 0x0205;
const FORMULA = 0x0006;
const STRING = 0x0207;
const MERGEDCELLS = 0x00e5;
const CONTINUE = 0x003c;

/** Built-in number formats an .xls may use without a FORMAT record (ids 9/10 percent, 14–22 and 45–47 dates). */
const builtinFormats: Record<number, string> = {
  0: "General",
  1: "0",
  2: "0.00",
  3: "#,##0",
  4: "#,##0.00",
  9: "0%",
  10: "0.00%",
  11: "0.00E+00",
  14: "yyyy-mm-dd",
  15: "d-mmm-yy",
  16: "d-mmm",
  17: "mmm-yy",
  18: "h:mm AM/PM",
  19: "h:mm:ss AM/PM",
  20: "h:mm",
  21: "h:mm:ss",
  22: "yyyy-mm-dd h:mm",
  45: "mm:ss",
  46: "[h]:mm:ss",
  47: "mm:ss.0",
  49: "@",
};

const errorTexts: Record<number, string> = { 0x00: "#NULL!", 0x07: "#DIV/0!", 0x0f: "#VALUE!", 0x17: "#REF!", 0x1d: "#NAME?", 0x24: "#NUM!", 0x2a: "#N/A" };

interface Workbook {
  biff8: boolean;
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
    return book.sheets.map((s) => readSheet(stream, s.offset, s.name, book, limits.maxCells));
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
  if (!biff8 && version !== 0x0500) throw new OleUnreadableError(`unsupported BIFF version 0x${version.toString(16)} (Excel 95 or later is needed)`);
  const book: Workbook = { biff8, strings: new BiffStrings(biff8, "cp1252"), sst: [], xfFormats: [], date1904: false, sheets: [] };
  const formats = new Map<number, string>();
  const xfFormatIds: number[] = [];
  for (const r of records) {
    if (r.type === EOF) break;
    switch (r.type) {
      case FILEPASS:
        throw new OleUnreadableError("the workbook is encrypted (password protected); it cannot be read without the password");
      case CODEPAGE:
        book.strings = new BiffStrings(biff8, codePage(r.data.readUInt16LE(0)));
        break;
      case DATEMODE:
        book.date1904 = r.data.readUInt16LE(0) === 1;
        break;
      case FORMAT: {
        const c = new RecordCursor(r);
        const id = c.u16();
        formats.set(id, biff8 ? book.strings.unicode(c, c.u16()) : book.strings.bytes(c, c.u8()));
        break;
      }
      case XF:
        xfFormatIds.push(r.data.readUInt16LE(2));
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

/** CODEPAGE 1200 is UTF-16 (BIFF8 always); 0x8000 is Mac Roman; the rest are Windows code pages such as 936 (GBK). */
function codePage(cp: number): string {
  if (cp === 1200) return "utf16le";
  if (cp === 0x8000 || cp === 10000) return "macintosh";
  if (cp === 367) return "ascii";
  const name = `cp${cp}`;
  return iconv.encodingExists(name) ? name : "cp1252";
}

/** The shared string table: total count, unique count, then the strings, spanning CONTINUE records. */
function readSst(c: RecordCursor, strings: BiffStrings): string[] {
  c.u32();
  const unique = c.u32();
  const out: string[] = [];
  for (let i = 0; i < unique && !c.atEnd(); i++) out.push(strings.unicode(c, c.u16()));
  return out;
}

type Cells = Map<number, Map<number, SheetValue>>;

/** One worksheet substream, from its BOF to its EOF; nested chart substreams are skipped. */
function readSheet(stream: Buffer, offset: number, name: string, book: Workbook, maxCells: number): Sheet {
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
  };
  const number = (row: number, col: number, xf: number, n: number) => put(row, col, displayNumber(n, book.xfFormats[xf], book.date1904));

  for (const r of biffRecords(stream, offset)) {
    if (r.type === BOF) depth++;
    else if (r.type === EOF && --depth === 0) break;
    if (depth !== 1) continue;
    const d = r.data;
    if (r.type === STRING) {
      if (pendingString) put(pendingString.row, pendingString.col, readString(new RecordCursor(r), book, 2));
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
        put(d.readUInt16LE(0), d.readUInt16LE(2), readString(c, book, 2));
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
  book: Workbook,
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

/** LABEL, RSTRING and STRING text: a 16-bit count, then BIFF8's flagged characters or BIFF5's code-page bytes. */
function readString(c: RecordCursor, book: Workbook, countBytes: 1 | 2): string {
  const count = countBytes === 2 ? c.u16() : c.u8();
  return book.biff8 ? book.strings.unicode(c, count) : book.strings.bytes(c, count);
}

/** An RK packs a number in 30 bits: an integer or the top of a double, optionally ×100. */
function rkNumber(rk: number): number {
  const n = rk & 2 ? rk >> 2 : Buffer.from([0, 0, 0, 0, rk & 0xfc, (rk >> 8) & 0xff, (rk >> 16) & 0xff, (rk >>> 24) & 0xff]).readDoubleLE(0);
  return rk & 1 ? n / 100 : n;
}

/** xlsx.ts's display rules; a 1904-based workbook's dates are moved onto the 1900 serials those rules expect. */
function displayNumber(n: number, numFmt: string | undefined, date1904: boolean): SheetValue {
  const plain = displayValue(n, numFmt);
  if (!date1904 || typeof plain !== "string" || plain.endsWith("%")) return plain;
  return displayValue(n + 1462, numFmt);
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

/**
 * Rows as readXlsxSheets gives them: a merged region's value kept once at its top-left, rows
 * ending after their last value, empty rows in between as []. The cost counts the cells a
 * merge covers too, because the form readers walk them.
 */
function toSheet(name: string, cells: Cells, merges: CellRange[], stored: number, maxCells: number): Sheet {
  const covered = merges.reduce((n, m) => n + (m.bottom - m.top + 1) * (m.right - m.left + 1), 0);
  if (stored + cells.size + covered > maxCells) throw new SheetTooLargeError(name, "cells", maxCells);
  const byRow = new Map<number, CellRange[]>();
  for (const m of merges) for (let r = m.top; r <= m.bottom; r++) byRow.set(r, [...(byRow.get(r) ?? []), m]);
  const hidden = (row: number, col: number) => (byRow.get(row) ?? []).some((m) => col >= m.left && col <= m.right && (row !== m.top || col !== m.left));
  const rows: SheetValue[][] = [];
  for (const [row, values] of [...cells].sort((a, b) => a[0] - b[0])) {
    const kept = [...values].filter(([col]) => !hidden(row, col));
    if (kept.length === 0) continue;
    const width = Math.max(...kept.map(([col]) => col)) + 1;
    const line: SheetValue[] = Array.from({ length: width }, () => null);
    for (const [col, v] of kept) line[col] = v;
    rows[row] = line;
  }
  return { name, cells: Array.from(rows, (r) => r ?? []), merges };
}

// ---- records and strings ----------------------------------------------------------------

/** A record with the CONTINUE records that carry on its data (SST, STRING, long LABELs). */
interface BiffRecord {
  type: number;
  data: Buffer;
  continues: Buffer[];
}

/** Records from `offset` on; a record cut short by the end of the stream means the file is damaged. */
function* biffRecords(stream: Buffer, offset: number): Generator<BiffRecord> {
  let p = offset;
  const next = () => {
    if (p + 4 > stream.length) return null;
    const type = stream.readUInt16LE(p);
    const length = stream.readUInt16LE(p + 2);
    if (p + 4 + length > stream.length) throw new OleUnreadableError(`the workbook stream is cut short in record 0x${type.toString(16)}`);
    const data = stream.subarray(p + 4, p + 4 + length);
    p += 4 + length;
    return { type, data };
  };
  let r = next();
  while (r) {
    const record: BiffRecord = { type: r.type, data: r.data, continues: [] };
    r = next();
    while (r && r.type === CONTINUE) {
      record.continues.push(r.data);
      r = next();
    }
    yield record;
  }
}

/**
 * Reads across a record and its CONTINUEs as one run of bytes, except for string characters:
 * a string split across a CONTINUE starts the new record with a fresh 8/16-bit flag byte.
 */
class RecordCursor {
  private part = 0;
  private pos = 0;
  private readonly parts: Buffer[];

  constructor(r: BiffRecord) {
    this.parts = [r.data, ...r.continues];
  }

  /** Bytes left in the current record, moving to the next when this one is used up. */
  private available(): Buffer {
    while (this.part < this.parts.length && this.pos >= this.parts[this.part]!.length) {
      this.part++;
      this.pos = 0;
    }
    if (this.part >= this.parts.length) throw new OleUnreadableError("a workbook record is cut short");
    return this.parts[this.part]!;
  }

  atEnd(): boolean {
    for (let i = this.part; i < this.parts.length; i++) if ((i === this.part ? this.pos : 0) < this.parts[i]!.length) return false;
    return true;
  }

  u8(): number {
    return this.available()[this.pos++]!;
  }

  u16(): number {
    return this.u8() | (this.u8() << 8);
  }

  u32(): number {
    return (this.u16() | (this.u16() << 16)) >>> 0;
  }

  skip(n: number): void {
    for (let left = n; left > 0; ) {
      const take = Math.min(left, this.available().length - this.pos);
      this.pos += take;
      left -= take;
    }
  }

  /** Up to `n` raw bytes from the current record only (the caller handles the rest). */
  take(n: number): Buffer {
    const buf = this.available();
    const out = buf.subarray(this.pos, Math.min(buf.length, this.pos + n));
    this.pos += out.length;
    return out;
  }

  /** True when the current record is used up but another follows: where a split string re-reads its flag byte. */
  atRecordEnd(): boolean {
    return this.pos >= this.parts[this.part]!.length && this.part + 1 < this.parts.length;
  }
}

/** BIFF8 strings are UTF-16, stored 8-bit when every character fits; BIFF5 strings are bytes in the CODEPAGE. */
class BiffStrings {
  constructor(
    readonly biff8: boolean,
    readonly encoding: string,
  ) {}

  /** An XLUnicodeString body after its count: flags, optional rich-text and phonetic sizes, characters, then those skipped. */
  unicode(c: RecordCursor, count: number): string {
    let flags = c.u8();
    const runs = flags & 0x08 ? c.u16() : 0;
    const phonetic = flags & 0x04 ? c.u32() : 0;
    const parts: string[] = [];
    for (let left = count; left > 0; ) {
      if (c.atRecordEnd()) flags = c.u8();
      const wide = flags & 0x01;
      const bytes = c.take(wide ? left * 2 : left);
      if (bytes.length === 0) throw new OleUnreadableError("a workbook string is cut short");
      parts.push(wide ? bytes.toString("utf16le", 0, bytes.length & ~1) : bytes.toString("latin1"));
      left -= wide ? bytes.length >> 1 : bytes.length;
    }
    c.skip(runs * 4 + phonetic);
    return parts.join("");
  }

  /** BIFF5 text: `count` bytes in the workbook's code page (GBK for Chinese Excel 95). */
  bytes(c: RecordCursor, count: number): string {
    const chunks: Buffer[] = [];
    for (let left = count; left > 0; ) {
      const b = c.take(left);
      if (b.length === 0) throw new OleUnreadableError("a workbook string is cut short");
      chunks.push(b);
      left -= b.length;
    }
    return iconv.decode(Buffer.concat(chunks), this.encoding);
  }
}
