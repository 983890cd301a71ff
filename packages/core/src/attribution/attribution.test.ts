import { describe, expect, it } from "vitest";
import { attributeMessage, type RosterEntry } from "./attribution.ts";

const roster: RosterEntry[] = [
  { id: 1, name: "重庆市荣昌区职业教育中心", aliases: ["荣昌职教中心"], senders: ["rczj@example.cn"], qq: ["12345678"] },
  { id: 2, name: "重庆益民技工学校", aliases: ["益民技校"], senders: ["ym@example.cn"], qq: ["87654321"] },
  { id: 3, name: "荣昌区第二职业中学", aliases: [], senders: ["rczj@example.cn"], qq: [] },
];

describe("attributeMessage", () => {
  it("attributes by a roster sender address, whatever its case", () => {
    const a = attributeMessage({ fromAddress: "YM@Example.cn", auth: "none", texts: [] }, roster);
    expect(a).toMatchObject({ schoolId: 2, attributedBy: "sender" });
  });

  it("attributes <digits>@qq.com to the school whose contact has that QQ number", () => {
    const a = attributeMessage({ fromAddress: "12345678@qq.com", auth: "pass", texts: [] }, roster);
    expect(a).toMatchObject({ schoolId: 1, attributedBy: "qq" });
  });

  it("falls back to a full name or alias in the subject", () => {
    const a = attributeMessage({ fromAddress: "someone@163.com", auth: "none", texts: ["益民技校 5月16日 新闻稿"] }, roster);
    expect(a).toMatchObject({ schoolId: 2, attributedBy: "name" });
  });

  it("ignores full-width spaces and brackets in names", () => {
    const a = attributeMessage({ fromAddress: null, auth: "none", texts: ["重庆益民　技工学校（报送）"] }, roster);
    expect(a.schoolId).toBe(2);
  });

  it("leaves a mail whose address belongs to two schools unattributed, naming both", () => {
    const a = attributeMessage({ fromAddress: "rczj@example.cn", auth: "none", texts: [] }, roster);
    expect(a).toMatchObject({ schoolId: null, attributedBy: "none", candidates: [1, 3] });
  });

  it("leaves a subject naming two schools unattributed, even when one name is longer", () => {
    const a = attributeMessage({ fromAddress: "lianhe@163.com", auth: "none", texts: ["荣昌职教中心、益民技校联合活动稿件"] }, roster);
    expect(a).toMatchObject({ schoolId: null, attributedBy: "none", candidates: [1, 2] });
  });

  it("does not count a school whose name only appears inside another school's longer name", () => {
    const overlapping: RosterEntry[] = [...roster, { id: 4, name: "职业教育中心", aliases: [], senders: [], qq: [] }];
    const a = attributeMessage({ fromAddress: null, auth: "none", texts: ["重庆市荣昌区职业教育中心 总结"] }, overlapping);
    expect(a).toMatchObject({ schoolId: 1, attributedBy: "name" });
  });

  it("does not trust a roster address that failed DMARC", () => {
    const a = attributeMessage({ fromAddress: "ym@example.cn", auth: "fail", texts: ["无校名"] }, roster);
    expect(a).toMatchObject({ schoolId: null, attributedBy: "none" });
  });

  it("leaves a stranger with no school name unattributed", () => {
    const a = attributeMessage({ fromAddress: "x@163.com", auth: "none", texts: ["稿件", "附件1.docx"] }, roster);
    expect(a.schoolId).toBeNull();
  });
});
