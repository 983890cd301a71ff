import { createReadStream, readdirSync, readFileSync } from "node:fs";
import { crc32, deflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { detectFormKind, readFeaturedList, readInfoForm, readStatsForm, type Finding, type Sheet } from "@baosong/core";
import { DocumentError, SheetTooLargeError, XlsxUnreadableError } from "./errors.ts";
import { readXlsxSheets } from "./xlsx.ts";

const fixtures = new URL("../../../test/fixtures/forms/", import.meta.url);
const limits = { maxCells: 100_000 };

interface Expectation {
  sheet: string;
  kind: "stats_form" | "info_form" | "featured_list";
  reason: string;
  options: Record<string, unknown>;
  fields?: unknown;
  rows?: unknown[];
  total?: unknown;
  reporter?: unknown;
  findings: { severity: string; code: string; field: string | null; row?: number }[];
  cells?: Record<string, string | number | null>;
  merges?: string[];
}
const expected = JSON.parse(readFileSync(new URL("expected.json", fixtures), "utf8")) as Record<string, Expectation>;

function a1(row: number, col: number): string {
  let letters = "";
  for (let n = col + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return `${letters}${row + 1}`;
}

function at(sheet: Sheet, ref: string): unknown {
  const m = /^([A-Z]+)(\d+)$/u.exec(ref)!;
  const col = Array.from(m[1]!).reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) - 1;
  return sheet.cells[Number(m[2]) - 1]?.[col] ?? null;
}

/** Findings as expected.json lists them: what, where, and the row for a list's rows. */
function brief(findings: readonly Finding[], row?: number) {
  return findings.map((f) => ({ severity: f.severity, code: f.code, field: f.field, ...(row === undefined ? {} : { row }) }));
}

/** Every message tells the clerk, in Chinese, what to do (请…). */
function expectHelpfulMessages(findings: readonly Finding[]): void {
  for (const f of findings) expect(f.message, f.code).toMatch(/[\u4e00-\u9fff].*请/u);
}

function readExpected(sheet: Sheet, e: Expectation) {
  if (e.kind === "stats_form") {
    const r = readStatsForm(sheet, e.options as { mediaLevels: string[] });
    const listed = [...r.rows, ...(r.total ? [r.total] : [])];
    const ofSheet = r.findings.filter((f) => !listed.some((row) => row.findings.includes(f)));
    const findings = [...brief(ofSheet), ...listed.flatMap((row) => brief(row.findings, r.rows.length > 1 || row === r.total ? row.row : undefined))];
    expect(r.fields).toEqual(e.fields);
    expect(r.rows.map(({ row, fields }) => ({ row, fields }))).toEqual(e.rows);
    expect(r.total && { row: r.total.row, fields: r.total.fields }).toEqual(e.total);
    expect(r.reporter).toEqual(e.reporter);
    return { findings, all: r.findings };
  }
  if (e.kind === "info_form") {
    const r = readInfoForm(sheet, e.options as { planTextMax: number; featuredTextMax: number });
    expect(r.fields).toEqual(e.fields);
    return { findings: brief(r.findings), all: r.findings };
  }
  const r = readFeaturedList(sheet, { ...(e.options as { introMax: number }), year: 2022 });
  expect(r.rows.map(({ row, fields }) => ({ row, fields }))).toEqual(e.rows);
  expect(r.reporter).toEqual(e.reporter);
  return { findings: brief(r.findings), all: r.findings };
}

describe("reading the form fixtures (written by exceljs)", () => {
  it("has an expectation for every fixture and a fixture for every expectation", () => {
    const files = readdirSync(fixtures).filter((f) => f.endsWith(".xlsx"));
    expect(files.sort()).toEqual(Object.keys(expected).sort());
  });

  for (const [file, e] of Object.entries(expected)) {
    it(`reads ${file} as a ${e.kind}, by its content`, async () => {
      const sheets = await readXlsxSheets(readFileSync(new URL(file, fixtures)), limits);
      const sheet = sheets.find((s) => s.name === e.sheet);
      expect(sheet, `sheet ${e.sheet}`).toBeDefined();
      expect(detectFormKind(sheet!)).toEqual({ kind: e.kind, reason: e.reason });
      for (const other of sheets.filter((s) => s !== sheet)) expect(detectFormKind(other)).toBeNull();
      for (const [ref, value] of Object.entries(e.cells ?? {})) expect(at(sheet!, ref), ref).toEqual(value);
      if (e.merges) expect(sheet!.merges.map((m) => `${a1(m.top, m.left)}:${a1(m.bottom, m.right)}`).sort()).toEqual([...e.merges].sort());
      const { findings, all } = readExpected(sheet!, e);
      expect(findings).toEqual(e.findings);
      expectHelpfulMessages(all);
    });
  }

  it("reads a stream the same as a buffer", async () => {
    const url = new URL("rongchang-stats.xlsx", fixtures);
    expect(await readXlsxSheets(createReadStream(url), limits)).toEqual(await readXlsxSheets(readFileSync(url), limits));
  });
});

/** A tiny .xlsx written by hand, as other software (WPS) may write one. */
function xlsx(sheetXml: string): Buffer {
  const ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
  const rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
  return zip({
    "[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
    "_rels/.rels": `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    "xl/workbook.xml": `<?xml version="1.0"?><workbook ${ns} xmlns:r="${rel}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    "xl/_rels/workbook.xml.rels": `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
    "xl/worksheets/sheet1.xml": `<?xml version="1.0"?><worksheet ${ns}>${sheetXml}</worksheet>`,
  });
}

function zip(files: Record<string, string | Buffer>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content);
    const packed = deflateRawSync(data);
    const fileName = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fileName.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc32(data), 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(fileName.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, fileName, packed);
    centrals.push(central, fileName);
    offset += 30 + fileName.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

describe("readXlsxSheets", () => {
  it("reads the cells that are there, not the range a WPS file declares", async () => {
    const sheet = xlsx(
      '<dimension ref="A1"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>学校</t></is></c></row><row r="5"><c r="C5"><v>42</v></c></row></sheetData>',
    );
    const [read] = await readXlsxSheets(sheet, limits);
    expect(read).toEqual({ name: "Sheet1", cells: [["学校"], [], [], [], [null, null, 42]], merges: [] });
  });

  it("refuses a sheet with more cells than allowed, with the SHEET_TOO_LARGE code", async () => {
    const bytes = readFileSync(new URL("rongchang-stats.xlsx", fixtures));
    const error = await readXlsxSheets(bytes, { maxCells: 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SheetTooLargeError);
    expect(error).toMatchObject({ code: "SHEET_TOO_LARGE", measure: "cells", limit: 20 });
  });

  it("refuses a merged region that would cover millions of cells, counting the cells it would cover", async () => {
    // Speed is pnpm bench's to measure; here, that the region is refused by its size.
    const sheet = xlsx('<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData><mergeCells count="1"><mergeCell ref="A1:XFD100000"/></mergeCells>');
    await expect(readXlsxSheets(sheet, limits)).rejects.toMatchObject({ code: "SHEET_TOO_LARGE", sheet: "Sheet1", measure: "cells" });
  });

  it("refuses a part that inflates beyond the byte limit without inflating it all", async () => {
    const bomb = xlsx(`<sheetData>${" ".repeat(50 * 1024 * 1024)}</sheetData>`);
    expect(bomb.length).toBeLessThan(200 * 1024);
    await expect(readXlsxSheets(bomb, { maxCells: 1000, maxUnpackedBytes: 1024 * 1024 })).rejects.toMatchObject({
      code: "SHEET_TOO_LARGE",
      measure: "bytes",
    });
  });

  it("says an old .xls (not a zip) is unreadable rather than guessing", async () => {
    const xls = Buffer.concat([Buffer.from("d0cf11e0a1b11ae1", "hex"), Buffer.alloc(512)]);
    const error = await readXlsxSheets(xls, limits).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(XlsxUnreadableError);
    expect(error).toMatchObject({ code: "XLSX_UNREADABLE" });
  });
});

describe("readXlsxSheets on what other writers put in cells", () => {
  it("decodes entities and _xHHHH_ escapes, leaves out phonetic guides, and reads ISO dates", async () => {
    const sheet = xlsx(
      '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><r><t>职业&amp;教育_x000D_</t></r><r><t>周</t></r><rPh sb="0" eb="1"><t>ZHI</t></rPh></is></c><c r="B1" t="d"><v>2022-05-16T09:30:00</v></c><c r="C1" t="e"><v>#DIV/0!</v></c><c r="D1" t="str"><f>A1</f><v>&#x5468;</v></c></row></sheetData>',
    );
    const [read] = await readXlsxSheets(sheet, limits);
    expect(read!.cells[0]).toEqual(["职业&教育\r周", "2022-05-16 09:30", "#DIV/0!", "周"]);
  });

  it("says a part that is not XML is unreadable", async () => {
    await expect(readXlsxSheets(xlsx("<sheetData><row r=1></sheetData>"), limits)).rejects.toMatchObject({ code: "XLSX_UNREADABLE" });
  });
});

describe("readXlsxSheets on sparse sheets", () => {
  it("refuses a sheet whose few cells sit so far right that its rows would be millions of slots", async () => {
    const rows = Array.from({ length: 2_000 }, (_, i) => `<row r="${i + 1}"><c r="XFD${i + 1}"><v>1</v></c></row>`).join("");
    await expect(readXlsxSheets(xlsx(`<sheetData>${rows}</sheetData>`), { maxCells: 10_000 })).rejects.toMatchObject({ code: "SHEET_TOO_LARGE" });
  });
});

describe("readXlsxSheets on damaged files", () => {
  it("never crashes or hangs on flipped bytes: every failure is a DocumentError", async () => {
    const valid = readFileSync(new URL("rongchang-stats.xlsx", fixtures));
    let seed = 11;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 300; round++) {
      const bytes = Buffer.from(valid);
      for (let i = 0; i < 8; i++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      const error = await readXlsxSheets(bytes, limits).then(
        () => null,
        (e: unknown) => e,
      );
      if (error !== null) expect(error, String(error)).toBeInstanceOf(DocumentError);
    }
  });
});
