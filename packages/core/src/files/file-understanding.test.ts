import { describe, expect, it } from "vitest";
import { classifyByNameAndType } from "./classification.ts";
import { understandFile } from "./file-understanding.ts";
import type { DocText } from "../reports/doc-text.ts";
import { sheetOf } from "../forms/sheet-builder.ts";
import { rongchang } from "../../test/rongchang-fixture.ts";

const DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const campaign = rongchang({
  requirements: [
    {
      id: "summary-report",
      kind: "summary_report",
      title: "职业教育活动周工作总结报告",
      due: "2022-05-21 18:00",
      rules: { sections: ["基本情况", "主要做法和措施", "取得的成效", "媒体宣传情况", "存在问题及建议"], min_images: 5 },
    },
    { id: "law-summary", kind: "law_summary", title: "开展职业教育法宣传活动情况总结材料", due: "2022-05-21 18:00", rules: { max_chars: 2000 } },
  ],
});

const doc = (lines: string[], imageCount = 0): DocText => ({ paragraphs: lines.map((text) => ({ text, heading: false })), imageCount });
const understand = (filename: string, d: DocText) => understandFile(classifyByNameAndType(filename, DOCX), filename, { doc: d }, campaign);

describe("understandFile with a word-processing document", () => {
  it("files a misnamed 附件1.docx by its title and checks it with that requirement's rules", () => {
    const u = understand("附件1.docx", doc(["附件1", "安富职业中学职业教育法宣传活动情况总结", "学".repeat(2100)]));
    expect(u).toMatchObject({
      kind: "law_summary",
      classifiedBy: "content:doc_title:职业教育法",
      parseStatus: "invalid",
      report: { title: "安富职业中学职业教育法宣传活动情况总结", charCount: 2122, imageCount: 0, missingSections: [] },
    });
    expect(u.findings.map((f) => f.code)).toEqual(["report.too_long"]);
  });

  it("keeps the name's kind when the text says nothing, and reads a summary report against the campaign's sections", () => {
    const u = understand(
      "荣昌职教中心总结报告.docx",
      doc(["荣昌职教中心", "一、基本情况", "二、主要做法和措施", "三、取得的成效", "四、媒体宣传情况", "五、存在问题及建议"], 5),
    );
    expect(u).toMatchObject({
      kind: "summary_report",
      classifiedBy: "filename:总结报告",
      parseStatus: "parsed",
      findings: [],
      report: { missingSections: [], imageCount: 5 },
    });
  });

  it("reads no report from a document that is not one", () => {
    const u = understand("附件3.docx", doc(["荣昌区职教中心活动周实施方案", "一、指导思想"]));
    expect(u).toMatchObject({ kind: "plan", classifiedBy: "content:doc_title:实施方案", parseStatus: "parsed", findings: [] });
    expect(u.report).toBeUndefined();
  });
});

describe("understandFile with a file that cannot be read", () => {
  const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

  it("files a cut-short 情况统计表.xlsx as a stats form, unreadable, asking for it again", () => {
    const u = understandFile(
      classifyByNameAndType("情况统计表.xlsx", XLSX),
      "情况统计表.xlsx",
      { unreadable: { code: "XLSX_UNREADABLE", detail: "damaged" } },
      campaign,
    );
    expect(u).toMatchObject({ kind: "stats_form", parseStatus: "unreadable", findings: [{ severity: "error", code: "file_unreadable" }] });
    expect(u.findings[0]!.message).toMatch(/“情况统计表\.xlsx”.*请.*重新发送/u);
  });

  it("files a form named .xlsx whose bytes look like a bare zip (or nothing) by its name, unreadable", () => {
    for (const type of ["application/zip", "application/octet-stream"]) {
      const u = understandFile(classifyByNameAndType("荣昌职教中心情况统计表.xlsx", type), "荣昌职教中心情况统计表.xlsx", {}, campaign);
      expect(u, type).toMatchObject({ kind: "stats_form", parseStatus: "unreadable", findings: [{ code: "file_unreadable" }] });
    }
    expect(classifyByNameAndType("5月17日新闻稿.zip", "application/zip").kind).toBe("other");
  });

  it("tells the school to remove a password, and to re-save a Word 6/95 file", () => {
    const locked = understandFile(
      classifyByNameAndType("信息采集表.xlsx", XLSX),
      "信息采集表.xlsx",
      { unreadable: { code: "ENCRYPTED", detail: "EncryptedPackage" } },
      campaign,
    );
    expect(locked).toMatchObject({ kind: "info_form", parseStatus: "unreadable", findings: [{ code: "file_encrypted" }] });
    expect(locked.findings[0]!.message).toMatch(/密码.*取消密码.*重新发送/u);
    const old = understandFile(
      classifyByNameAndType("总结.doc", "application/msword"),
      "总结.doc",
      { unreadable: { code: "OLD_FORMAT", detail: "nFib 101" } },
      campaign,
    );
    expect(old.findings[0]).toMatchObject({ code: "file_old_format" });
    expect(old.findings[0]!.message).toMatch(/另存为 \.docx/u);
  });
});

describe("understandFile telling a news draft from the law summary", () => {
  it("keeps a news draft that quotes 职业教育法 in a heading a daily report", () => {
    const news = {
      paragraphs: [
        { text: "新闻稿", heading: true },
        { text: "我校举办职业体验日活动", heading: true },
        { text: "深入学习宣传职业教育法", heading: true },
        { text: "5月16日上午，我校举办活动。", heading: false },
      ],
      imageCount: 2,
    };
    expect(understand("启动仪式.docx", news)).toMatchObject({ kind: "daily_report", classifiedBy: "content:doc_title:新闻稿" });
  });

  it("does not make a title that merely mentions the law a law summary", () => {
    const u = understandFile(
      classifyByNameAndType("5月17日新闻.docx", DOCX),
      "5月17日新闻.docx",
      { doc: doc(["我校师生学习新修订的职业教育法", "5月17日，我校组织师生学习职业教育法。"]) },
      campaign,
    );
    expect(u.kind).toBe("daily_report");
  });

  it("recognises a law summary by its own title", () => {
    expect(understand("附件3.docx", doc(["荣昌职教中心开展职业教育法宣传活动情况总结", "活动开展情况如下。"]))).toMatchObject({
      kind: "law_summary",
      classifiedBy: "content:doc_title:职业教育法",
    });
  });
});

describe("understandFile with a form as a Word table", () => {
  const form = sheetOf([
    ["附件1"],
    ["2022年职业教育活动周信息采集表"],
    ["中职学校", "联系人", "职务", "手机", "QQ号", "专题网站（专栏）链接地址"],
    ["重庆市荣昌区职业教育中心", "张老师", "办公室主任", "13812345678", "112812581", "https://www.rczj.cn/zt/"],
    ["活动周初步考虑", "5月15日举办开放日。"],
    ["特色活动简介", "技能服务进社区。"],
  ]);
  const lines = ["附件1", "2022年职业教育活动周信息采集表", "中职学校", "联系人", "重庆市荣昌区职业教育中心", "5月15日举办开放日。"];

  it("reads the values of an info form filled in as a Word table, whatever the file is called", () => {
    const u = understand("附件1.docx", { ...doc(lines), tables: [form] });
    expect(u).toMatchObject({ kind: "info_form", classifiedBy: "content:sheet_header:联系人+职务+手机", parseStatus: "parsed" });
    expect(u.infoForm).toMatchObject({ unit_name: "重庆市荣昌区职业教育中心", mobile: "13812345678", plan_text: "5月15日举办开放日。" });
  });

  it("does not take the table a summary report quotes for a form", () => {
    const report = doc(["荣昌职教中心活动周工作总结", "一、基本情况", "活".repeat(900), "二、主要做法和措施", "动".repeat(600)]);
    const u = understand("活动周总结.docx", { ...report, tables: [form] });
    expect(u.kind).toBe("summary_report");
    expect(u.infoForm).toBeUndefined();
  });
});
