import { createReadStream, readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Sheet } from "@baosong/core";
import iconv from "iconv-lite";
import { DocumentError, SheetTooLargeError } from "./errors.ts";
import { readXlsSheets } from "./xls.ts";
import { readXlsxSheets } from "./xlsx.ts";

const office = new URL("../../../test/fixtures/office/", import.meta.url);
const forms = new URL("../../../test/fixtures/forms/", import.meta.url);
const limits = { maxCells: 100_000 };

/** LibreOffice writes MERGEDCELLS in its own order; the regions are what matter. */
const sorted = (sheets: Sheet[]) =>
  sheets.map((s) => ({ ...s, merges: [...s.merges].sort((a, b) => a.top - b.top || a.left - b.left || a.bottom - b.bottom || a.right - b.right) }));

describe("readXlsSheets on the form fixtures, converted to .xls by LibreOffice", () => {
  const converted = readdirSync(office).filter((f) => f.endsWith(".xls") && f !== "truncated.xls");

  it("has an .xls for every .xlsx form fixture", () => {
    const sources = readdirSync(forms).filter((f) => f.endsWith(".xlsx"));
    expect(converted.map((f) => f.replace(/\.xls$/u, ".xlsx")).sort()).toEqual(sources.sort());
  });

  for (const file of converted) {
    it(`reads ${file} to the same sheets, values and merges as its .xlsx`, async () => {
      const xls = await readXlsSheets(readFileSync(new URL(file, office)), limits);
      const xlsx = await readXlsxSheets(readFileSync(new URL(file.replace(/\.xls$/u, ".xlsx"), forms)), limits);
      expect(sorted(xls)).toEqual(sorted(xlsx));
    });
  }

  it("reads a WPS .et (BIFF8 in a compound file) as an .xls, and a stream as a buffer", async () => {
    const fromXls = await readXlsSheets(readFileSync(new URL("rongchang-stats.xls", office)), limits);
    expect(await readXlsSheets(readFileSync(new URL("rongchang-stats.et", office)), limits)).toEqual(fromXls);
    expect(await readXlsSheets(createReadStream(new URL("rongchang-stats.xls", office)), limits)).toEqual(fromXls);
    expect(fromXls[0]!.cells[3]).toEqual(["重庆市荣昌区职业教育中心", null, 156, 2380, "85%", 12, 2600, 8, 5, 17]);
  });
});

// ---- hand-built workbooks ---------------------------------------------------------------

function record(type: number, data: Buffer | number[]): Buffer {
  const body = Buffer.isBuffer(data) ? data : Buffer.from(data);
  const head = Buffer.alloc(4);
  head.writeUInt16LE(type, 0);
  head.writeUInt16LE(body.length, 2);
  return Buffer.concat([head, body]);
}

const u16 = (n: number) => [n & 0xff, n >> 8];
const u32 = (n: number) => [...u16(n & 0xffff), ...u16(n >>> 16)];
const f64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(n);
  return [...b];
};
const bof = (version: number, kind: number) =>
  record(0x0809, [...u16(version), ...u16(kind), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0].slice(0, version === 0x0600 ? 16 : 8));
const eof = () => record(0x000a, []);

/**
 * A one-sheet workbook stream: globals (code page, formats, XFs, BOUNDSHEET) then the sheet's
 * cell records. `boundsheet(offset)` returns the BOUNDSHEET body for the sheet's offset.
 */
function workbookStream(version: number, globals: Buffer[], boundsheet: (offset: number) => number[], cells: Buffer[]): Buffer {
  const withSheet = (offset: number) => Buffer.concat([bof(version, 0x0005), ...globals, record(0x0085, boundsheet(offset)), eof()]);
  const head = withSheet(0);
  return Buffer.concat([withSheet(head.length), bof(version, 0x0010), ...cells, eof()]);
}

/** A version 3 compound file holding one stream, padded past the mini-stream cutoff so it sits in the FAT. */
function compoundFile(name: string, data: Buffer): Buffer {
  const stream = Buffer.concat([data, Buffer.alloc(Math.max(0, 4096 - data.length))]);
  const dataSectors = Math.ceil(stream.length / 512);
  const header = Buffer.alloc(512);
  Buffer.from("d0cf11e0a1b11ae1", "hex").copy(header);
  header.writeUInt16LE(0x3e, 0x18);
  header.writeUInt16LE(3, 0x1a);
  header.writeUInt16LE(0xfffe, 0x1c);
  header.writeUInt16LE(9, 0x1e);
  header.writeUInt16LE(6, 0x20);
  header.writeUInt32LE(1, 0x2c); // one FAT sector: sector 0
  header.writeUInt32LE(1, 0x30); // directory: sector 1
  header.writeUInt32LE(4096, 0x38);
  header.writeUInt32LE(0xfffffffe, 0x3c);
  header.writeUInt32LE(0xfffffffe, 0x44);
  header.fill(0xff, 0x4c);
  header.writeUInt32LE(0, 0x4c);
  const fat = Buffer.alloc(512, 0xff);
  fat.writeUInt32LE(0xfffffffd, 0);
  fat.writeUInt32LE(0xfffffffe, 4);
  for (let i = 0; i < dataSectors; i++) fat.writeUInt32LE(i === dataSectors - 1 ? 0xfffffffe : 3 + i, (2 + i) * 4);
  const dir = Buffer.alloc(512);
  const entry = (at: number, entryName: string, type: number, child: number, start: number, size: number) => {
    dir.write(entryName, at, "utf16le");
    dir.writeUInt16LE((entryName.length + 1) * 2, at + 0x40);
    dir[at + 0x42] = type;
    dir.writeUInt32LE(0xffffffff, at + 0x44);
    dir.writeUInt32LE(0xffffffff, at + 0x48);
    dir.writeUInt32LE(child, at + 0x4c);
    dir.writeUInt32LE(start, at + 0x74);
    dir.writeUInt32LE(size, at + 0x78);
  };
  entry(0, "Root Entry", 5, 1, 0xfffffffe, 0);
  entry(128, name, 2, 0xffffffff, 2, stream.length);
  return Buffer.concat([header, fat, dir, stream, Buffer.alloc(dataSectors * 512 - stream.length)]);
}

describe("readXlsSheets on hand-built records", () => {
  it("reads an Excel 95 (BIFF5) Book stream whose text is GBK, past the range its DIMENSIONS declares", async () => {
    const gbk = (s: string) => [...iconv.encode(s, "cp936")];
    const label = (row: number, col: number, text: string) => record(0x0204, [...u16(row), ...u16(col), ...u16(0), ...u16(gbk(text).length), ...gbk(text)]);
    const stream = workbookStream(
      0x0500,
      [record(0x0042, u16(936)), record(0x041e, [...u16(164), 4, ...Buffer.from("0.0%")]), record(0x00e0, [0, 0, ...u16(164), ...Array(12).fill(0)])],
      (offset) => [...u32(offset), 0, 0, gbk("统计表").length, ...gbk("统计表")],
      [
        // WPS-style DIMENSIONS claiming one cell: ignored, the cells define the extent.
        record(0x0200, [...u16(0), ...u16(1), ...u16(0), ...u16(1), ...u16(0)]),
        label(0, 0, "学校名称"),
        label(2, 1, "荣昌职教中心"),
        record(0x0203, [...u16(2), ...u16(2), ...u16(0), ...f64(0.855)]),
        record(0x027e, [...u16(2), ...u16(3), ...u16(1), ...u32((236 << 2) | 2)]),
      ],
    );
    const sheets = await readXlsSheets(compoundFile("Book", stream), limits);
    expect(sheets).toEqual([{ name: "统计表", cells: [["学校名称"], [], [null, "荣昌职教中心", "85.5%", 236]], merges: [] }]);
  });

  it("re-reads the 8/16-bit flag of a shared string split across a CONTINUE record, and skips rich-text runs", async () => {
    // "活动周" as UTF-16 with one rich-text run; then "School" split: "Sch" 8-bit | flag 0x01 | "ool" 16-bit.
    const first = [...u16(3), 0x09, ...u16(1), ...Buffer.from("活动周", "utf16le"), ...u16(0), ...u16(1)];
    const second = [...u16(6), 0x00, ...Buffer.from("Sch")];
    const sst = record(0x00fc, [...u32(2), ...u32(2), ...first, ...second]);
    const cont = record(0x003c, [0x01, ...Buffer.from("ool", "utf16le")]);
    const labelSst = (col: number, i: number) => record(0x00fd, [...u16(0), ...u16(col), ...u16(0), ...u32(i)]);
    const stream = workbookStream(0x0600, [sst, cont], (offset) => [...u32(offset), 0, 0, 2, 0, ...Buffer.from("S1")], [
      labelSst(0, 0),
      labelSst(1, 1),
      // A formula whose cached text follows in a STRING record, and one whose result is TRUE.
      record(0x0006, [...u16(1), ...u16(0), ...u16(0), 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...Array(6).fill(0)]),
      record(0x0207, [...u16(2), 0x00, ...Buffer.from("ok")]),
      record(0x0006, [...u16(1), ...u16(1), ...u16(0), 1, 0, 1, 0, 0, 0, 0xff, 0xff, ...Array(6).fill(0)]),
      // C1 lies under the merge B1:C1, so only B1's value is kept (exceljs repeats it; the Sheet does not).
      record(0x0203, [...u16(0), ...u16(2), ...u16(0), ...f64(7)]),
      record(0x00e5, [...u16(1), ...u16(0), ...u16(0), ...u16(1), ...u16(2)]),
    ]);
    const [sheet] = await readXlsSheets(compoundFile("Workbook", stream), limits);
    expect(sheet).toEqual({
      name: "S1",
      cells: [
        ["活动周", "School"],
        ["ok", "TRUE"],
      ],
      merges: [{ top: 0, left: 1, bottom: 0, right: 2 }],
    });
  });
});

describe("readXlsSheets on damaged, encrypted and oversized files", () => {
  const valid = readFileSync(new URL("rongchang-stats.xls", office));

  it("refuses a sheet with more cells than allowed, with the SHEET_TOO_LARGE code", async () => {
    const error = await readXlsSheets(valid, { maxCells: 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SheetTooLargeError);
    expect(error).toMatchObject({ code: "SHEET_TOO_LARGE", measure: "cells", limit: 20, sheet: "情况统计表" });
    await expect(readXlsSheets(valid, { maxCells: 100_000, maxUnpackedBytes: 4096 })).rejects.toMatchObject({ measure: "bytes" });
  });

  it("says an encrypted workbook (FILEPASS) is ENCRYPTED, naming the password", async () => {
    // The record right after the globals' BOF becomes a FILEPASS, as Excel writes it.
    const encrypted = Buffer.from(valid);
    const at = encrypted.indexOf(Buffer.from([0x09, 0x08, 0x10, 0x00, 0x00, 0x06, 0x05, 0x00]));
    expect(at).toBeGreaterThan(0);
    encrypted.writeUInt16LE(0x002f, at + 4 + 16);
    await expect(readXlsSheets(encrypted, limits)).rejects.toThrow(/encrypted.*password/u);
    await expect(readXlsSheets(encrypted, limits)).rejects.toMatchObject({ code: "ENCRYPTED" });
  });

  it("says a truncated file, a .doc, and an .xlsx are OLE_UNREADABLE", async () => {
    const inputs = [
      readFileSync(new URL("truncated.xls", office)),
      readFileSync(new URL("附件1.doc", office)),
      readFileSync(new URL("rongchang-stats.xlsx", forms)),
    ];
    for (const bytes of inputs) await expect(readXlsSheets(bytes, limits)).rejects.toMatchObject({ code: "OLE_UNREADABLE" });
  });

  it("never crashes or hangs on flipped bytes: every failure is a DocumentError", async () => {
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 300; round++) {
      const bytes = Buffer.from(valid);
      for (let i = 0; i < 8; i++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      const error = await readXlsSheets(bytes, limits).then(
        () => null,
        (e: unknown) => e,
      );
      if (error !== null) expect(error, String(error)).toBeInstanceOf(DocumentError);
    }
  });
});
