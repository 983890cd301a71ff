import iconv from "iconv-lite";
import { OleUnreadableError } from "./errors.ts";

// Record types of [MS-XLS] (BIFF8) that BIFF5/7 share.
export const BOF = 0x0809;
export const EOF = 0x000a;
export const FILEPASS = 0x002f;
export const CODEPAGE = 0x0042;
export const DATEMODE = 0x0022;
export const BOUNDSHEET = 0x0085;
export const SST = 0x00fc;
export const FORMAT = 0x041e;
export const XF = 0x00e0;
export const LABELSST = 0x00fd;
export const LABEL = 0x0204;
export const RSTRING = 0x00d6;
export const NUMBER = 0x0203;
export const RK = 0x027e;
export const MULRK = 0x00bd;
export const BOOLERR = 0x0205;
export const FORMULA = 0x0006;
export const STRING = 0x0207;
export const MERGEDCELLS = 0x00e5;
export const CONTINUE = 0x003c;

export const errorTexts: Record<number, string> = {
  0x00: "#NULL!",
  0x07: "#DIV/0!",
  0x0f: "#VALUE!",
  0x17: "#REF!",
  0x1d: "#NAME?",
  0x24: "#NUM!",
  0x2a: "#N/A",
};

/** CODEPAGE 1200 is UTF-16 (BIFF8 always); 0x8000 is Mac Roman; the rest are Windows code pages such as 936 (GBK). */
export function codePage(cp: number): string {
  if (cp === 1200) return "utf16le";
  if (cp === 0x8000 || cp === 10000) return "macintosh";
  if (cp === 367) return "ascii";
  const name = `cp${cp}`;
  return iconv.encodingExists(name) ? name : "cp1252";
}

/** The shared string table: total count, unique count, then the strings, spanning CONTINUE records. */
export function readSst(c: RecordCursor, strings: BiffStrings): string[] {
  c.u32();
  const unique = c.u32();
  const out: string[] = [];
  for (let i = 0; i < unique && !c.atEnd(); i++) out.push(strings.unicode(c, c.u16()));
  return out;
}

/** LABEL, RSTRING and STRING text: a 16-bit count, then BIFF8's flagged characters or BIFF5's code-page bytes. */
export function readString(c: RecordCursor, strings: BiffStrings, countBytes: 1 | 2): string {
  const count = countBytes === 2 ? c.u16() : c.u8();
  return strings.biff8 ? strings.unicode(c, count) : strings.bytes(c, count);
}

/** An RK packs a number in 30 bits: an integer or the top of a double, optionally ×100. */
export function rkNumber(rk: number): number {
  const n = rk & 2 ? rk >> 2 : Buffer.from([0, 0, 0, 0, rk & 0xfc, (rk >> 8) & 0xff, (rk >> 16) & 0xff, (rk >>> 24) & 0xff]).readDoubleLE(0);
  return rk & 1 ? n / 100 : n;
}

/** A record with the CONTINUE records that carry on its data (SST, STRING, long LABELs). */
export interface BiffRecord {
  type: number;
  data: Buffer;
  continues: Buffer[];
}

/** Records from `offset` on; a record cut short by the end of the stream means the file is damaged. */
export function* biffRecords(stream: Buffer, offset: number): Generator<BiffRecord> {
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
export class RecordCursor {
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
export class BiffStrings {
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
