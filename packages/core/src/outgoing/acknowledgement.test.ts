import { describe, expect, it } from "vitest";
import { composeAcknowledgement, type AcknowledgementInput } from "./acknowledgement.ts";
import { finding } from "../finding.ts";

const base: AcknowledgementInput = {
  campaignTitle: "2022年荣昌区职业教育活动周",
  organizer: "重庆市荣昌区教育委员会",
  timeZone: "Asia/Shanghai",
  schoolName: "重庆市荣昌区职业教育中心",
  subject: "信息采集表",
  receivedAt: new Date("2022-05-12T02:30:00Z"),
  files: [{ filename: "2022年职业教育活动周信息采集表.xlsx", kind: "info_form", sizeBytes: 12_800 }],
  findings: [],
  owed: [{ title: "情况统计表", dueAt: new Date("2022-05-21T10:00:00Z") }],
};

describe("composeAcknowledgement", () => {
  it("says what was received, when, how it was understood and what is still owed", () => {
    const m = composeAcknowledgement(base);
    expect(m.subject).toBe("【回执】2022年荣昌区职业教育活动周：已收到您的邮件 “信息采集表”");
    expect(m.text).toContain("重庆市荣昌区职业教育中心：");
    expect(m.text).toContain("2022年5月12日 10:30");
    expect(m.text).toContain("1. 2022年职业教育活动周信息采集表.xlsx（13 KB）——识别为：信息采集表");
    expect(m.text).toContain("· 情况统计表，截止时间：2022年5月21日 18:00");
    expect(m.html).toContain('<html lang="zh-CN">');
  });

  it("asks an unattributed sender to reply with the school name", () => {
    const m = composeAcknowledgement({ ...base, schoolName: null, owed: [] });
    expect(m.text).toContain("老师您好：");
    expect(m.text).toContain("请直接回复本邮件，写明贵校在名册中的全称");
  });

  it("lists findings and escapes HTML in names", () => {
    const m = composeAcknowledgement({
      ...base,
      files: [{ filename: "<b>稿件</b>.docx", kind: "daily_report", sizeBytes: 10 }],
      findings: [finding("error", "part_unreadable", "附件无法读取，请重新发送。")],
    });
    expect(m.text).toContain("【错误】附件无法读取，请重新发送。");
    expect(m.html).toContain("&lt;b&gt;稿件&lt;/b&gt;.docx");
    expect(m.html).not.toContain("<b>稿件</b>");
  });
});
