/**
 * One test per reading failure measured on files Baosong was not tuned to (issue 8 §3): the
 * fixtures come from scripts/fixtures/make-regressions.ts, the shared-string bomb is built here.
 */
import { readdirSync, readFileSync } from "node:fs";
import { deflateRawSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { classifyByNameAndType, detectFormKind, readStatsForm, understandFile, type Campaign, type Sheet } from "@baosong/core";
import { DocumentParser } from "./document-parser.ts";
import { readDoc } from "./doc.ts";
import { defaultFileReadLimits, officeTypes, readFileContent } from "./read-file.ts";
import { readXlsSheets } from "./xls.ts";
import { readXlsxSheets } from "./xlsx.ts";

const dir = new URL("../../../test/fixtures/regressions/", import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, dir));
const expected = JSON.parse(readFileSync(new URL("expected.json", dir), "utf8")) as Record<string, Record<string, unknown>>;
const limits = { maxCells: 100_000 };

function at(sheet: Sheet, ref: string): unknown {
  const m = /^([A-Z]+)(\d+)$/u.exec(ref)!;
  const col = Array.from(m[1]!).reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) - 1;
  return sheet.cells[Number(m[2]) - 1]?.[col] ?? null;
}

function a1(row: number, col: number): string {
  let letters = "";
  for (let n = col + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return `${letters}${row + 1}`;
}

describe("workbooks in other writers' dialects", () => {
  const dialects = readdirSync(new URL("dialects/", dir)).filter((f) => f.endsWith(".xlsx"));

  it("has all 24 dialects of the statistics form", () => {
    expect(dialects).toHaveLength(24);
    expect(dialects.map((f) => `dialects/${f}`).sort()).toEqual(
      Object.keys(expected)
        .filter((k) => k.startsWith("dialects/"))
        .sort(),
    );
  });

  for (const file of dialects) {
    it(`reads ${file} cell for cell: cached 0 and FALSE, shared formulas, Chinese dates, merges`, async () => {
      const e = expected[`dialects/${file}`] as { sheet: string; cells: Record<string, unknown>; merges: string[]; fields: Record<string, unknown> };
      const [sheet] = await readXlsxSheets(fixture(`dialects/${file}`), limits);
      expect(sheet!.name).toBe(e.sheet);
      for (const [ref, value] of Object.entries(e.cells)) expect(at(sheet!, ref), ref).toEqual(value);
      expect(sheet!.merges.map((m) => `${a1(m.top, m.left)}:${a1(m.bottom, m.right)}`).sort()).toEqual([...e.merges].sort());
      expect(detectFormKind(sheet!)?.kind).toBe("stats_form");
      expect(readStatsForm(sheet!, { mediaLevels: ["市级及以上", "区县级"] }).fields).toMatchObject(e.fields);
    });
  }
});

describe("the shared-string bomb", () => {
  /** One 1 MB string, and 12,000 cells that each show it: 12 GB of text from a 20 KB file. */
  function bomb(): Buffer {
    const huge = "报".repeat(1024 * 1024);
    const cells = Array.from({ length: 12_000 }, (_, i) => `<c r="A${i + 1}" t="s"><v>0</v></c>`);
    const rows = cells.map((c, i) => `<row r="${i + 1}">${c}</row>`).join("");
    return zipOf({
      "xl/workbook.xml":
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
      "xl/_rels/workbook.xml.rels":
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
      "xl/sharedStrings.xml": `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>${huge}</t></si></sst>`,
      "xl/worksheets/sheet1.xml": `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${rows}</sheetData></worksheet>`,
    });
  }

  it("is refused by its characters, with the SHEET_TOO_LARGE code", async () => {
    const bytes = bomb();
    expect(bytes.length).toBeLessThan(200 * 1024);
    const reading = await readFileContent(bytes, officeTypes.xlsx, defaultFileReadLimits);
    expect(reading.content.unreadable).toMatchObject({ code: "SHEET_TOO_LARGE" });
    expect(reading.content.unreadable?.detail).toMatch(/chars/u);
  });

  const parser = new DocumentParser({ mode: "thread", timeoutMs: 30_000, maxHeapMb: 256 });
  afterAll(() => parser.close());

  it("ends unreadable in the parser thread under a 256 MB heap, without exhausting it", async () => {
    const reading = await parser.parse(bomb(), officeTypes.xlsx, defaultFileReadLimits);
    expect(reading.content.unreadable?.code).toBe("SHEET_TOO_LARGE");
  });
});

describe("characters bounded in an .xls too", () => {
  it("refuses a workbook whose cells show more characters than allowed, counting a shared string each time", async () => {
    await expect(readXlsSheets(fixture("far-east-dates.xls"), { maxCells: 1000, maxChars: 40 })).rejects.toMatchObject({
      code: "SHEET_TOO_LARGE",
      measure: "chars",
    });
    await expect(readXlsSheets(fixture("far-east-dates.xls"), { maxCells: 1000, maxChars: 4000 })).resolves.toHaveLength(1);
  });
});

describe("password-protected files", () => {
  for (const file of ["encrypted.xlsx", "encrypted.docx"]) {
    it(`says ${file} is ENCRYPTED whether it is taken for an OLE file or by its name`, async () => {
      const type = file.endsWith(".xlsx") ? officeTypes.xlsx : officeTypes.docx;
      for (const mediaType of [officeTypes.ole, type]) {
        expect((await readFileContent(fixture(file), mediaType, defaultFileReadLimits)).content.unreadable?.code, mediaType).toBe("ENCRYPTED");
      }
    });
  }

  it("files it under its name's kind, unreadable, telling the school to remove the password", async () => {
    const { content } = await readFileContent(fixture("encrypted.xlsx"), officeTypes.ole, defaultFileReadLimits);
    const u = understandFile(classifyByNameAndType("荣昌职教中心情况统计表.xlsx", officeTypes.ole), "荣昌职教中心情况统计表.xlsx", content, noRules);
    expect(u).toMatchObject({ kind: "stats_form", parseStatus: "unreadable", findings: [{ code: "file_encrypted" }] });
    expect(u.findings[0]!.message).toMatch(/取消密码/u);
  });
});

describe("Far-East date formats in an .xls", () => {
  for (const file of ["far-east-dates.xls", "far-east-dates-damaged-format.xls"]) {
    it(`shows the dates of ${file} as dates, not serial numbers`, async () => {
      const e = expected[file] as { sheet: string; cells: Record<string, unknown> };
      const [sheet] = await readXlsSheets(fixture(file), limits);
      expect(sheet!.name).toBe(e.sheet);
      for (const [ref, value] of Object.entries(e.cells)) expect(at(sheet!, ref), `${ref} ${String(at(sheet!, `A${ref.slice(1)}`))}`).toEqual(value);
    });
  }
});

describe("a .doc with text boxes", () => {
  it("reads the text in its text boxes as well as its body", async () => {
    const e = expected["text-box.doc"] as { texts: string[]; body: string };
    const doc = await readDoc(fixture("text-box.doc"), { maxChars: 10_000 });
    const texts = doc.paragraphs.map((p) => p.text.trim());
    expect(texts).toContain(e.body);
    for (const t of e.texts) expect(texts).toContain(t);
  });
});

describe("a form cut short in transit", () => {
  it("is unreadable, and filed as the stats form its name says", async () => {
    const { content } = await readFileContent(fixture("truncated-stats.xlsx"), officeTypes.xlsx, defaultFileReadLimits);
    expect(content.unreadable?.code).toBe("XLSX_UNREADABLE");
    const u = understandFile(classifyByNameAndType("情况统计表.xlsx", officeTypes.xlsx), "情况统计表.xlsx", content, noRules);
    expect(u).toMatchObject({ kind: "stats_form", parseStatus: "unreadable", findings: [{ severity: "error", code: "file_unreadable" }] });
  });
});

const noRules = { requirements: [] } as unknown as Campaign;

function zipOf(files: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    const packed = deflateRawSync(data);
    const fileName = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fileName.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(8, 10);
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
  end.writeUInt16LE(centrals.length / 2, 8);
  end.writeUInt16LE(centrals.length / 2, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
