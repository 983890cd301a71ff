import { createReadStream, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { classifyReport, readReport, type ReportKind } from "@baosong/core";
import { openCompoundFile } from "./cfb.ts";
import { readDoc, splitParagraphs } from "./doc.ts";
import { readDocx } from "./docx.ts";
import { DocTooLargeError, DocumentError } from "./errors.ts";

const office = new URL("../../../test/fixtures/office/", import.meta.url);
const reports = new URL("../../../test/fixtures/reports/", import.meta.url);
const limits = { maxChars: 200_000 };

interface Expectation {
  kind: ReportKind;
  headings: string[];
}
const { rules, files } = JSON.parse(readFileSync(new URL("expected.json", reports), "utf8")) as {
  rules: Record<string, { sections?: string[]; min_images?: number; max_chars?: number }>;
  files: Record<string, Expectation>;
};

describe("readDoc on the report fixtures, converted to .doc by LibreOffice", () => {
  for (const [docx, want] of Object.entries(files)) {
    const doc = docx.replace(/\.docx$/u, ".doc");
    it(`reads ${doc} to the paragraphs, headings and pictures of ${docx}, and the same report reading`, async () => {
      const fromDoc = await readDoc(readFileSync(new URL(doc, office)), limits);
      const fromDocx = await readDocx(readFileSync(new URL(docx, reports)), limits);
      expect(fromDoc.paragraphs.map((p) => p.text)).toEqual(fromDocx.paragraphs.map((p) => p.text));
      expect(fromDoc.imageCount).toBe(fromDocx.imageCount);
      expect(fromDoc.paragraphs.filter((p) => p.heading).map((p) => p.text)).toEqual(want.headings);
      expect(classifyReport(fromDoc)).toEqual(classifyReport(fromDocx));
      expect(classifyReport(fromDoc)?.kind).toBe(want.kind);
      expect(readReport(fromDoc, want.kind, rules[want.kind] ?? {})).toEqual(readReport(fromDocx, want.kind, rules[want.kind] ?? {}));
    });
  }

  it("keeps a table's cell text without a paragraph for each row end, reads a .wps copy, and a stream as a buffer", async () => {
    const doc = await readDoc(readFileSync(new URL("rongchang-summary.doc", office)), limits);
    const texts = doc.paragraphs.map((p) => p.text);
    expect(texts.slice(texts.indexOf("项目"), texts.indexOf("项目") + 6)).toEqual(["项目", "人数", "教师", "236", "学生", "4120"]);
    expect(await readDoc(readFileSync(new URL("rongchang-summary.wps", office)), limits)).toEqual(doc);
    expect(await readDoc(createReadStream(new URL("rongchang-summary.doc", office)), limits)).toEqual(doc);
  });
});

describe("splitParagraphs", () => {
  const none = { fcOf: () => 0, papx: [], chpx: [], styles: [] };

  it("keeps a field's result and drops its code, nested fields too, and counts pictures and drawn objects", () => {
    const text = "页码\x13 PAGE \x14第5页\x15。\r\x13 HYPERLINK \x13 REF x \x14y\x15 \x14链接\x15\r\x01\r图\x08\x0b二\r";
    const doc = splitParagraphs(text, none, 1000);
    expect(doc.paragraphs.map((p) => p.text)).toEqual(["页码第5页。", "链接", "", "图\n二"]);
    expect(doc.imageCount).toBe(2);
  });

  it("without paragraph properties, takes the first line and short numbered lines as headings", () => {
    const doc = splitParagraphs("工作总结\r一、基本情况\r1. 学校高度重视。\r（二）主要做法\r正文\r", none, 1000);
    expect(doc.paragraphs.map((p) => p.heading)).toEqual([true, true, false, true, false]);
  });

  it("counts the characters it keeps against the limit", () => {
    expect(() => splitParagraphs(`\x13${"x".repeat(50)}\x14短\x15\r`, none, 10)).not.toThrow();
    expect(() => splitParagraphs("长".repeat(11), none, 10)).toThrow(DocTooLargeError);
  });
});

describe("readDoc on damaged, encrypted and oversized files", () => {
  const valid = readFileSync(new URL("rongchang-summary.doc", office));

  it("refuses more characters than allowed, or more bytes, with DOC_TOO_LARGE", async () => {
    const error = await readDoc(readFileSync(new URL("law-summary-too-long.doc", office)), { maxChars: 500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DocTooLargeError);
    expect(error).toMatchObject({ code: "DOC_TOO_LARGE", measure: "chars", limit: 500 });
    await expect(readDoc(valid, { maxChars: 200_000, maxUnpackedBytes: 4_000 })).rejects.toMatchObject({ measure: "bytes" });
  });

  it("says an encrypted document (fEncrypted) is ENCRYPTED, naming the password", async () => {
    const fib = openCompoundFile(valid).stream("WordDocument")!.subarray(0, 64);
    const encrypted = Buffer.from(valid);
    const at = encrypted.indexOf(fib);
    encrypted.writeUInt16LE(encrypted.readUInt16LE(at + 0x0a) | 0x0100, at + 0x0a);
    await expect(readDoc(encrypted, limits)).rejects.toThrow(/encrypted.*password/u);
    await expect(readDoc(encrypted, limits)).rejects.toMatchObject({ code: "ENCRYPTED" });
  });

  it("says a Word 6/95 document (nFib below Word 97's) is OLD_FORMAT", async () => {
    const fib = openCompoundFile(valid).stream("WordDocument")!.subarray(0, 64);
    const old = Buffer.from(valid);
    old.writeUInt16LE(0x0065, old.indexOf(fib) + 2); // Word 6.0 writes nFib 101
    await expect(readDoc(old, limits)).rejects.toMatchObject({ code: "OLD_FORMAT" });
  });

  it("says a non-OLE buffer, a .docx, a workbook and a truncated file are OLE_UNREADABLE", async () => {
    const inputs = [
      Buffer.from("not a document at all"),
      readFileSync(new URL("附件1.docx", reports)),
      readFileSync(new URL("rongchang-stats.xls", office)),
      readFileSync(new URL("truncated.doc", office)),
    ];
    for (const bytes of inputs) await expect(readDoc(bytes, limits)).rejects.toMatchObject({ code: "OLE_UNREADABLE" });
  });

  it("never crashes or hangs on flipped bytes: every failure is a DocumentError", async () => {
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 300; round++) {
      const bytes = Buffer.from(valid);
      for (let i = 0; i < 8; i++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      const error = await readDoc(bytes, limits).then(
        () => null,
        (e: unknown) => e,
      );
      if (error !== null) expect(error, String(error)).toBeInstanceOf(DocumentError);
    }
  });
});
