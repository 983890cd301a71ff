import { describe, expect, it } from "vitest";
import { bodyArticle } from "./body-article.ts";

const article = "5月16日上午，我校在实训楼举行了职业体验日活动，邀请周边社区居民和初中学生家长走进校园，体验汽车维修、烹饪、电子商务等专业的实训项目。".repeat(4);

describe("bodyArticle", () => {
  it("takes a long news draft pasted into the body as an article", () => {
    const a = bodyArticle(`老师好：\n${article}\n荣昌职教中心`, "新闻稿");
    expect(a?.reason).toMatch(/^body:/);
    expect(a?.text).toContain("职业体验日活动");
  });

  it("accepts a shorter body when the subject says it is a report", () => {
    const short = "今天我校举办了技能展示活动，二百余名家长参加，学生展示了汽修、烹饪、美容美发等专业技能，家长纷纷点赞，认为职业教育大有可为。活动还邀请了企业代表现场交流，介绍就业前景和岗位需求。";
    expect(bodyArticle(short, "5月16日 活动简报")?.reason).toBe("body:subject_简报");
    expect(bodyArticle(short, "请查收")).toBeNull();
  });

  it("does not count a greeting that points to the attachment", () => {
    expect(bodyArticle("老师您好，附件是我校的信息采集表，请查收。谢谢！", "信息采集表")).toBeNull();
  });

  it("ignores the quoted original of a reply", () => {
    const reply = `学校名称：重庆益民技工学校\n\n------------------ 原始邮件 ------------------\n${article}`;
    expect(bodyArticle(reply, "Re: 稿件")).toBeNull();
  });
});
