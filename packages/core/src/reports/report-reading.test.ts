import { describe, expect, it } from "vitest";
import type { DocText } from "./doc-text.ts";
import { classifyReport, countChars, normalizeHeading, readReport } from "./report-reading.ts";

const rongchang = { sections: ["基本情况", "主要做法和措施", "取得的成效", "媒体宣传情况", "存在问题及建议"], min_images: 5 };

function doc(lines: (string | [string, "h"])[], imageCount = 0): DocText {
  return { paragraphs: lines.map((l) => (typeof l === "string" ? { text: l, heading: false } : { text: l[0], heading: true })), imageCount };
}

describe("readReport", () => {
  it("finds the campaign's sections however they are numbered and worded", () => {
    const d = doc(
      [
        "",
        "荣昌区职业教育中心活动周工作总结",
        ["一、基本情况", "h"],
        "（二）主要做法和措施",
        ["3. 取得成效", "h"],
        "四、媒体宣传情况：重庆日报等媒体报道十二篇次，学校公众号推送文章七篇，区融媒体中心播发专题新闻两条。",
        ["第五部分 存在的问题与建议", "h"],
      ],
      5,
    );
    const r = readReport(d, "summary_report", rongchang);
    expect(r).toMatchObject({ title: "荣昌区职业教育中心活动周工作总结", imageCount: 5, missingSections: [] });
    expect(r.findings).toEqual([]);
  });

  it("says which sections are missing and how many pictures are short, in Chinese, with how to fix it", () => {
    const r = readReport(doc(["活动周工作总结", "一、基本情况", "二、主要做法", "三、取得的成效"], 2), "summary_report", rongchang);
    expect(r.missingSections).toEqual(["媒体宣传情况", "存在问题及建议"]);
    expect(r.findings).toEqual([
      {
        severity: "error",
        code: "report.missing_sections",
        field: "sections",
        message: "工作总结报告缺少以下部分：媒体宣传情况、存在问题及建议。请按通知要求补充后重新发送。",
      },
      {
        severity: "error",
        code: "report.too_few_images",
        field: "images",
        message: "工作总结报告中有 2 张图片，通知要求至少 5 张。请在文中插入活动照片后重新发送。",
      },
    ]);
  });

  it("does not take a word inside a long body paragraph for a heading", () => {
    const body = "本校在活动周期间认真总结基本情况，并通过多种渠道开展媒体宣传情况的统计工作，形成了较为完整的材料汇编。";
    const r = readReport(doc(["工作总结", body]), "summary_report", rongchang);
    expect(r.missingSections).toEqual(rongchang.sections);
  });

  it("counts letters, digits and Chinese characters only, and flags a law summary over its limit", () => {
    expect(countChars("职业教育法 2022年，“技能”！ab\n\t")).toBe(14);
    const long = doc(["职业教育法宣传活动情况总结", "学".repeat(1990)]);
    const r = readReport(long, "law_summary", { max_chars: 2000 });
    expect(r.charCount).toBe(2003);
    expect(r.findings).toEqual([
      {
        severity: "error",
        code: "report.too_long",
        field: "text",
        message: "职业教育法宣传活动情况总结共 2003 字，超过 2000 字的要求。请精简到 2000 字以内后重新发送。",
      },
    ]);
    expect(readReport(doc(["总结", "学".repeat(1998)]), "law_summary", { max_chars: 2000 }).findings).toEqual([]);
  });

  it("takes the first non-empty paragraph past a 附件 label as the title, at most 60 characters", () => {
    expect(readReport(doc(["", "附件1", "标".repeat(80)]), "daily_report", {}).title).toBe("标".repeat(60));
    expect(readReport(doc([]), "daily_report", {})).toMatchObject({ title: null, charCount: 0, findings: [{ code: "report.empty" }] });
  });

  it("normalizes headings: numbering, punctuation, 的, and 及/与/和", () => {
    expect(normalizeHeading("（五）存在的问题与建议：")).toBe("存在问题和建议");
    expect(normalizeHeading("一、基本情况")).toBe("基本情况");
    expect(normalizeHeading("3.取得的成效")).toBe("取得成效");
  });
});

describe("classifyReport", () => {
  it("reads the kind from the title, law summary before week summary", () => {
    expect(classifyReport(doc(["附件1", "安富职业中学职业教育法宣传活动情况总结"]))).toEqual({ kind: "law_summary", reason: "doc_title:职业教育法" });
    expect(classifyReport(doc(["2022年职业教育活动周工作总结", "一、基本情况"]))).toEqual({ kind: "summary_report", reason: "doc_title:工作总结" });
    expect(classifyReport(doc(["荣昌区职教中心活动周实施方案"]))).toEqual({ kind: "plan", reason: "doc_title:实施方案" });
  });

  it("falls back to headings, ignores the body, and says nothing when the text says nothing", () => {
    expect(classifyReport(doc(["材料", "说明", ["活动周工作总结报告", "h"]]))).toMatchObject({ kind: "summary_report" });
    const body = "为贯彻落实新修订的职业教育法，我校举办了丰富多彩的活动，吸引了众多家长和社区居民走进校园参观体验。";
    expect(classifyReport(doc(["技能成才 强国有我", body]))).toBeNull();
  });
});
