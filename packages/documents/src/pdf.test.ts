import { createReadStream, readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { classifyReport, readReport, type ReportKind } from "@baosong/core";
import type { TextItem } from "pdfjs-dist/types/src/display/api.js";
import { DocTooLargeError, PdfUnreadableError } from "./errors.ts";
import { pageLines, readPdf } from "./pdf.ts";

// Passes every call through; only remembers the loading tasks, to see that each was destroyed.
const loadingTasks = vi.hoisted(() => [] as Array<{ destroyed: boolean }>);
vi.mock("pdfjs-dist/legacy/build/pdf.mjs", async (importOriginal) => {
  const pdfjs = await importOriginal<typeof import("pdfjs-dist/legacy/build/pdf.mjs")>();
  const getDocument: typeof pdfjs.getDocument = (src) => {
    const task = pdfjs.getDocument(src);
    loadingTasks.push(task);
    return task;
  };
  return { ...pdfjs, getDocument };
});

const fixtures = new URL("../../../test/fixtures/pdf/", import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, fixtures));
const expected = JSON.parse(readFileSync(new URL("expected.json", fixtures), "utf8")) as Record<string, { pages?: number; hasText?: boolean; text?: string }>;
const reports = JSON.parse(readFileSync(new URL("../reports/expected.json", fixtures), "utf8")) as {
  rules: Record<string, { sections?: string[]; min_images?: number; max_chars?: number }>;
  files: Record<string, { kind: ReportKind; title: string; charCount: number; imageCount: number; missingSections: string[]; findings: string[] }>;
};
const limits = { maxChars: 200_000 };

describe("readPdf on the fixtures made by scripts/fixtures/make-media.sh", () => {
  it("reads the summary report LibreOffice exported, and the report checks see what they saw in the .docx", async () => {
    const { facts, doc } = await readPdf(fixture("rongchang-summary.pdf"), limits);
    const want = reports.files["rongchang-summary.docx"]!;
    expect(facts.pages).toBe(expected["rongchang-summary.pdf"]!.pages);
    expect(doc).not.toBeNull();
    expect(facts.textChars).toBe(doc!.paragraphs.reduce((n, p) => n + p.text.replace(/\s/gu, "").length, 0));
    expect(doc!.imageCount).toBe(want.imageCount);
    expect(classifyReport(doc!)?.kind).toBe(want.kind);
    const reading = readReport(doc!, want.kind, reports.rules[want.kind] ?? {});
    expect(reading).toMatchObject({ title: want.title, charCount: want.charCount, imageCount: want.imageCount, missingSections: want.missingSections });
    expect(reading.findings.map((f) => f.code)).toEqual(want.findings);
  });

  it("keeps lines in reading order, marks the large title and the bold heading, and keeps table cells apart", async () => {
    const { doc } = await readPdf(fixture("rongchang-summary.pdf"), limits);
    const texts = doc!.paragraphs.map((p) => p.text);
    expect(texts.slice(0, 2)).toEqual(["重庆市荣昌区职业教育中心2022年职业教育活动周工作总结", "一、基本情况"]);
    expect(texts).toEqual(expect.arrayContaining(["项目\t人数", "教师\t236", "学生\t4120", "2022年5月21日"]));
    expect(texts.indexOf("三、取得成效")).toBeLessThan(texts.indexOf("五、存在的问题及建议"));
    const headings = doc!.paragraphs.filter((p) => p.heading).map((p) => p.text);
    expect(headings).toEqual(expect.arrayContaining(["重庆市荣昌区职业教育中心2022年职业教育活动周工作总结", "二、主要做法和措施"]));
    expect(headings).not.toContain("教师\t236");
  });

  it("reads Chinese set in a font that is not embedded, through pdf.js's CMaps (without them: no text)", async () => {
    const { facts, doc } = await readPdf(fixture("cjk-cmap.pdf"), limits);
    expect(facts).toEqual({ pages: 1, textChars: 4 });
    expect(doc).toEqual({ paragraphs: [{ text: expected["cjk-cmap.pdf"]!.text, heading: false }], imageCount: 0 });
  });

  it("gives doc null for a scan: pages, but no text layer", async () => {
    expect(await readPdf(fixture("scan.pdf"), limits)).toEqual({ facts: { pages: expected["scan.pdf"]!.pages, textChars: 0 }, doc: null });
  });

  it("reads from a stream as from a buffer", async () => {
    const fromStream = await readPdf(createReadStream(new URL("rongchang-summary.pdf", fixtures)), limits);
    expect(fromStream).toEqual(await readPdf(fixture("rongchang-summary.pdf"), limits));
  });

  it("reads only the first pages when told, and still counts them all", async () => {
    const { facts, doc } = await readPdf(fixture("rongchang-summary.pdf"), { ...limits, maxPages: 1 });
    expect(facts.pages).toBe(3);
    const texts = doc!.paragraphs.map((p) => p.text);
    expect(texts).toContain("一、基本情况");
    expect(texts).not.toContain("三、取得成效");
  });
});

describe("readPdf limits and damage", () => {
  it("refuses more characters than allowed with DOC_TOO_LARGE", async () => {
    const error = await readPdf(fixture("rongchang-summary.pdf"), { maxChars: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DocTooLargeError);
    expect(error).toMatchObject({ code: "DOC_TOO_LARGE", measure: "chars", limit: 100 });
  });

  it("refuses a file larger than allowed, from a buffer or a stream", async () => {
    await expect(readPdf(fixture("rongchang-summary.pdf"), { ...limits, maxBytes: 10_000 })).rejects.toMatchObject({ code: "DOC_TOO_LARGE", measure: "bytes" });
    await expect(readPdf(createReadStream(new URL("rongchang-summary.pdf", fixtures)), { ...limits, maxBytes: 10_000 })).rejects.toMatchObject({
      code: "DOC_TOO_LARGE",
      measure: "bytes",
    });
  });

  it("calls a password-protected PDF, a truncated one and a non-PDF PDF_UNREADABLE", async () => {
    const encrypted = await readPdf(fixture("law-summary-encrypted.pdf"), limits).catch((e: unknown) => e);
    expect(encrypted).toBeInstanceOf(PdfUnreadableError);
    expect(encrypted).toMatchObject({ code: "PDF_UNREADABLE", message: expect.stringContaining("password") });
    for (const bytes of [fixture("rongchang-summary.pdf").subarray(0, 600), Buffer.from("not a pdf at all"), Buffer.alloc(0)]) {
      await expect(readPdf(bytes, limits)).rejects.toBeInstanceOf(PdfUnreadableError);
    }
  });

  it("survives truncated and byte-flipped copies: a reading or PDF_UNREADABLE, never a crash", async () => {
    for (const name of ["rongchang-summary.pdf", "scan.pdf"]) {
      const bytes = fixture(name);
      const variants: Buffer[] = [];
      for (let k = 1; k < 12; k++) variants.push(bytes.subarray(0, Math.floor((bytes.length * k) / 12)));
      for (let k = 0; k < 40; k++) {
        const copy = Buffer.from(bytes);
        const at = Math.floor((copy.length * k) / 40) + (k % 7);
        copy[at]! ^= 0xff;
        variants.push(copy);
      }
      variants.push(bytes.subarray(bytes.length - 200)); // only the trailer
      for (const variant of variants) {
        const outcome = await readPdf(variant, limits).then(
          (r) => (r.doc ? "text" : "scan"),
          (e: unknown) => (e instanceof PdfUnreadableError ? "unreadable" : e),
        );
        expect(outcome).toMatch(/^(?:text|scan|unreadable)$/u);
      }
    }
  }, 60_000);

  it("destroys every document it opened: read, scanned, too large or refused", async () => {
    loadingTasks.length = 0;
    await readPdf(fixture("rongchang-summary.pdf"), limits);
    await readPdf(fixture("scan.pdf"), limits);
    await readPdf(fixture("rongchang-summary.pdf"), { maxChars: 10 }).catch(() => undefined);
    await readPdf(fixture("law-summary-encrypted.pdf"), limits).catch(() => undefined);
    await readPdf(Buffer.from("not a pdf"), limits).catch(() => undefined);
    expect(loadingTasks.map((t) => t.destroyed)).toEqual([true, true, true, true, true]);
  });
});

describe("pageLines", () => {
  const item = (str: string, y: number, height = 10, hasEOL = false, fontName = "f1", width = str.length * height): TextItem => ({
    str,
    dir: "ltr",
    transform: [height, 0, 0, height, 72, y],
    width,
    height,
    fontName,
    hasEOL,
  });

  it("breaks lines at hasEOL and where the baseline drops, and marks a tall line as a heading", () => {
    const lines = pageLines([
      item("活动周总结", 700, 16, true),
      item("第一行正文", 680),
      item("没有换行标记", 665),
      item("同一行", 664.5, 10, true),
      item("第三行正文，字号与正文相同", 650, 10, true),
    ]);
    expect(lines).toEqual([
      { text: "活动周总结", heading: true },
      { text: "第一行正文", heading: false },
      { text: "没有换行标记同一行", heading: false },
      { text: "第三行正文，字号与正文相同", heading: false },
    ]);
  });

  const body = "本周我校开展了职业体验日、技能展示和校企合作洽谈等活动，参与师生和家长共计两千余人。".repeat(2);

  it("reads a title that wraps onto a second line in the same large type as one heading", () => {
    const lines = pageLines([
      item("重庆市荣昌区职业教育中心2022年职业教育活动周", 720, 18, true),
      item("工作总结报告", 698, 18, true),
      item("——以技能成才为主题", 676, 18, true),
      item("一、基本情况", 650, 10, true),
      item(body, 635, 10, true),
    ]);
    expect(lines).toEqual([
      { text: "重庆市荣昌区职业教育中心2022年职业教育活动周工作总结报告", heading: true },
      { text: "——以技能成才为主题", heading: true },
      { text: "一、基本情况", heading: false },
      { text: body, heading: false },
    ]);
  });

  it("does not join two tall lines far apart, or a title that ends a sentence", () => {
    const apart = pageLines([item("活动周总结", 720, 18, true), item("附录", 500, 18, true), item(body, 480, 10, true)]);
    expect(apart.map((l) => l.text)).toEqual(["活动周总结", "附录", body]);
    const sentence = pageLines([item("活动圆满结束。", 720, 18, true), item("继续努力", 698, 18, true), item(body, 680, 10, true)]);
    expect(sentence.map((l) => l.text)).toEqual(["活动圆满结束。", "继续努力", body]);
  });

  it("calls a short all-bold line a heading, but not a long bold sentence", () => {
    const long = "加粗".repeat(30);
    const lines = pageLines([item("一、基本情况", 700, 10, true, "bold"), item(long, 680, 10, true, "bold"), item("正文", 660, 10, true)], new Set(["bold"]));
    expect(lines.map((l) => l.heading)).toEqual([true, false, false]);
  });
});
