import { createReadStream, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { classifyReport, readReport, type ReportKind } from "@baosong/core";
import { DocTooLargeError, DocxUnreadableError } from "./errors.ts";
import { parseDocumentXml, readDocx } from "./docx.ts";

const fixtures = new URL("../../../test/fixtures/reports/", import.meta.url);
const limits = { maxChars: 200_000 };

interface Expectation {
  kind: ReportKind;
  title: string;
  charCount: number;
  imageCount: number;
  headings: string[];
  missingSections: string[];
  findings: string[];
}
const { rules, files } = JSON.parse(readFileSync(new URL("expected.json", fixtures), "utf8")) as {
  rules: Record<string, { sections?: string[]; min_images?: number; max_chars?: number }>;
  files: Record<string, Expectation>;
};

describe("readDocx on the report fixtures", () => {
  for (const [file, want] of Object.entries(files)) {
    it(`reads ${file}: title, headings, pictures, and the report checks`, async () => {
      const doc = await readDocx(readFileSync(new URL(file, fixtures)), limits);
      expect(doc.imageCount).toBe(want.imageCount);
      expect(doc.paragraphs.filter((p) => p.heading).map((p) => p.text)).toEqual(want.headings);
      expect(classifyReport(doc)?.kind).toBe(want.kind);
      const reading = readReport(doc, want.kind, rules[want.kind] ?? {});
      expect(reading).toMatchObject({ title: want.title, charCount: want.charCount, imageCount: want.imageCount, missingSections: want.missingSections });
      expect(reading.findings.map((f) => f.code)).toEqual(want.findings);
    });
  }

  it("keeps a table's cell text, and reads from a stream as from a buffer", async () => {
    const doc = await readDocx(createReadStream(new URL("rongchang-summary.docx", fixtures)), limits);
    const texts = doc.paragraphs.map((p) => p.text);
    expect(texts).toEqual(expect.arrayContaining(["教师", "236", "学生", "4120"]));
    expect(doc).toEqual(await readDocx(readFileSync(new URL("rongchang-summary.docx", fixtures)), limits));
  });

  it("refuses more characters than allowed with DOC_TOO_LARGE", async () => {
    const error = await readDocx(readFileSync(new URL("law-summary-too-long.docx", fixtures)), { maxChars: 500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DocTooLargeError);
    expect(error).toMatchObject({ code: "DOC_TOO_LARGE", measure: "chars", limit: 500 });
  });

  it("refuses a file that unpacks to more bytes than allowed with DOC_TOO_LARGE", async () => {
    const buf = readFileSync(new URL("law-summary-too-long.docx", fixtures));
    await expect(readDocx(buf, { maxChars: 200_000, maxUnpackedBytes: 4_000 })).rejects.toMatchObject({ code: "DOC_TOO_LARGE", measure: "bytes" });
    await expect(
      readDocx(createReadStream(new URL("law-summary-too-long.docx", fixtures)), { maxChars: 200_000, maxUnpackedBytes: 1_000 }),
    ).rejects.toMatchObject({ code: "DOC_TOO_LARGE" });
  });

  it("calls anything that is not a .docx DOCX_UNREADABLE: a .doc, a workbook, truncated bytes", async () => {
    const ole = Buffer.concat([Buffer.from("d0cf11e0a1b11ae1", "hex"), Buffer.alloc(600)]);
    const workbook = readFileSync(new URL("../forms/rongchang-stats.xlsx", fixtures));
    const truncated = readFileSync(new URL("rongchang-summary.docx", fixtures)).subarray(0, 900);
    for (const bytes of [ole, workbook, truncated]) {
      const error = await readDocx(bytes, limits).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DocxUnreadableError);
      expect(error).toMatchObject({ code: "DOCX_UNREADABLE" });
    }
  });
});

describe("parseDocumentXml", () => {
  const wrap = (body: string) => `<?xml version="1.0"?><w:document><w:body>${body}</w:body></w:document>`;

  it("joins runs, turns w:tab and w:br into whitespace, decodes entities and skips deleted text", () => {
    const doc = parseDocumentXml(
      wrap(
        '<w:p><w:r><w:t>校企</w:t></w:r><w:r><w:tab/><w:t xml:space="preserve">合作 &amp; </w:t><w:br/><w:t>&#x4E00;&lt;</w:t></w:r><w:del><w:r><w:delText>删</w:delText></w:r></w:del></w:p>',
      ),
      null,
      1000,
    );
    expect(doc.paragraphs).toEqual([{ text: "校企\t合作 & \n一<", heading: false }]);
  });

  it("knows headings by style name (Word's id “1”, WPS's 标题), outline level, or a short all-bold line", () => {
    const styles =
      '<w:styles><w:style w:styleId="1"><w:name w:val="heading 1"/></w:style><w:style w:styleId="a5"><w:name w:val="标题 2"/></w:style></w:styles>';
    const p = (pPr: string, run: string) => `<w:p><w:pPr>${pPr}</w:pPr>${run}</w:p>`;
    const t = (text: string, bold = false) => `<w:r>${bold ? "<w:rPr><w:b/></w:rPr>" : ""}<w:t>${text}</w:t></w:r>`;
    const doc = parseDocumentXml(
      wrap(
        [
          p('<w:pStyle w:val="1"/>', t("一、基本情况")),
          p('<w:pStyle w:val="a5"/>', t("（一）组织")),
          p('<w:outlineLvl w:val="2"/>', t("二、做法")),
          p('<w:outlineLvl w:val="9"/>', t("正文级别")),
          p("", t("三、成效", true)),
          p("<w:rPr><w:b/></w:rPr>", t("段落标记加粗不算")),
          p("", t("半句", true) + t("加粗")),
          p("", `<w:r><w:rPr><w:b w:val="0"/></w:rPr><w:t>取消加粗</w:t></w:r>`),
          p("", t("很长的加粗句子".repeat(8), true)),
        ].join(""),
      ),
      styles,
      1000,
    );
    expect(doc.paragraphs.map((x) => x.heading)).toEqual([true, true, true, false, true, false, false, false, false]);
  });

  it("counts placed pictures once (mc:Fallback repeats them), VML pictures too, and reads text-box paragraphs", () => {
    const pic = "<w:drawing><pic:pic/></w:drawing>";
    const doc = parseDocumentXml(
      wrap(
        `<w:p><w:r>${pic}</w:r></w:p>` +
          `<w:p><w:r><mc:AlternateContent><mc:Choice>${pic}<w:txbxContent><w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent></mc:Choice>` +
          `<mc:Fallback><w:pict><v:imagedata r:id="x"/><w:txbxContent><w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r><w:r><w:t>外</w:t></w:r></w:p>` +
          `<w:p><w:r><w:pict><v:shape><v:imagedata r:id="y"/></v:shape></w:pict></w:r></w:p>`,
      ),
      null,
      1000,
    );
    expect(doc.imageCount).toBe(3);
    expect(doc.paragraphs.map((x) => x.text)).toEqual(["", "文本框", "外", ""]);
  });
});
