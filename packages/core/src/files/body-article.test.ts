import { describe, expect, it } from "vitest";
import { bodyArticle } from "./body-article.ts";

const article = "5月16日上午，我校在实训楼举行了职业体验日活动，邀请周边社区居民和初中学生家长走进校园，体验汽车维修、烹饪、电子商务等专业的实训项目。".repeat(
  4,
);

describe("bodyArticle", () => {
  it("takes a long news draft pasted into the body as an article", () => {
    const a = bodyArticle(`老师好：\n${article}\n荣昌职教中心`, "新闻稿");
    expect(a?.reason).toMatch(/^body:/);
    expect(a?.text).toContain("职业体验日活动");
  });

  it("accepts a shorter body when the subject says it is a report", () => {
    const short =
      "今天我校举办了技能展示活动，二百余名家长参加，学生展示了汽修、烹饪、美容美发等专业技能，家长纷纷点赞，认为职业教育大有可为。活动还邀请了企业代表现场交流，介绍就业前景和岗位需求。";
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

describe("bodyArticle for a short pasted article", () => {
  const pasted = [
    "我校举办“技能成才 强国有我”职业体验日活动",
    "本网讯（通讯员 李明）5月16日上午，重庆市荣昌区职业教育中心举办职业体验日活动，邀请周边社区居民和初中学生家长走进校园。",
    "活动现场，汽车维修、中餐烹饪、电子商务等专业的师生展示了实训成果，家长们在老师指导下亲手体验了发动机拆装和面点制作。",
    "校长在致辞中介绍了学校的专业设置和就业情况，希望更多家庭了解职业教育、选择职业教育。",
    "供稿：招生就业处",
  ].join("\n");

  it("takes a ~250-character article with a title line, a dateline and 供稿 as the day's article, whatever the subject", () => {
    const hanzi = (pasted.match(/[\u3400-\u9fff]/gu) ?? []).length;
    expect(hanzi).toBeGreaterThan(150);
    expect(hanzi).toBeLessThan(300);
    expect(bodyArticle(pasted, "荣昌职教中心5月16日")?.reason).toBe("body:article_shape");
    expect(bodyArticle(pasted, null)?.reason).toBe("body:article_shape");
  });

  it("does not take the same words without a title line or without a dateline and byline", () => {
    const untitled = pasted.split("\n").slice(1).join("\n");
    expect(bodyArticle(`老师您好：\n${untitled}`, "荣昌职教中心5月16日")).toBeNull();
    const plain = ["活动情况", "我校举办了职业体验日活动，家长们在老师指导下亲手体验了发动机拆装和面点制作，活动现场气氛热烈。".repeat(3)].join("\n");
    expect(bodyArticle(plain, "请查收")).toBeNull();
  });
});
