import { describe, expect, it } from "vitest";
import { understandMessage, type MailFacts } from "./filing.ts";
import { rongchang } from "../../test/rongchang-fixture.ts";

const DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const campaign = rongchang();

function mail(subject: string, parts: [string, string][], text = "老师好，材料见附件。"): MailFacts {
  return {
    messageId: "m1@example.cn",
    fromAddress: "school@example.cn",
    replyTo: null,
    subject,
    contentType: "multipart/mixed",
    headers: new Map(),
    authenticationResults: [],
    text,
    html: null,
    parts: parts.map(([filename, mediaType], position) => ({ position, filename, mediaType, sizeBytes: 1000 })),
    problems: [],
  };
}

const plan = (m: MailFacts) => understandMessage({ mail: m, campaign, roster: [], rawSha256: "0".repeat(64), receivedAt: new Date("2022-05-17T03:00:00Z") });

describe("understandMessage with an archive", () => {
  it("classifies each member of a zip by its own name, not by the mail's subject", () => {
    const p = plan(
      mail("荣昌职教中心信息采集表", [
        ["材料.zip", "application/zip"],
        ["材料.zip/5月17日新闻稿.docx", DOCX],
        ["材料.zip/IMG_2041.JPG", "image/jpeg"],
        ["材料.zip/活动方案.docx", DOCX],
        ["材料.zip/附件2.docx", DOCX],
      ]),
    );
    expect(p.documents.map((d) => d.kind)).toEqual(["other", "daily_report", "media_photo", "plan", "other"]);
  });

  it("falls back to the archive's own name for a member whose name says nothing", () => {
    const p = plan(mail("材料", [["5月17日新闻稿.zip/启动仪式.docx", DOCX]]));
    expect(p.documents[0]).toMatchObject({ kind: "daily_report", classifiedBy: "archive_name:新闻" });
  });
});

describe("understandMessage with the article in the body", () => {
  it("files a pasted article with photos as the day's report, read like a report", () => {
    const body = [
      "我校举办职业体验日活动",
      "本网讯（通讯员 李明）5月17日上午，我校举办职业体验日活动，邀请周边社区居民和初中学生家长走进校园，体验汽车维修、烹饪、电子商务等专业的实训项目。",
      "家长们在老师指导下亲手体验了发动机拆装和面点制作，对职业教育有了新的认识。",
      "校长在致辞中介绍了学校的专业设置和毕业生就业情况，希望更多家庭了解职业教育、选择职业教育，让技能成才之路越走越宽。",
      "供稿：招生就业处",
    ].join("\n");
    const p = plan(
      mail(
        "荣昌职教中心5月17日",
        [
          ["IMG_1.JPG", "image/jpeg"],
          ["IMG_2.JPG", "image/jpeg"],
        ],
        body,
      ),
    );
    expect(p.bodyArticle).toMatchObject({ kind: "daily_report", activityDay: "2022-05-17", report: { title: "我校举办职业体验日活动", imageCount: 2 } });
    expect(p.bodyArticle!.report.charCount).toBeGreaterThan(100);
  });
});

describe("understandMessage with a news draft about the law", () => {
  const DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
  const lawTitled = {
    doc: {
      paragraphs: [
        { text: "我校开展职业教育法宣传活动情况", heading: true },
        { text: "5月17日上午，我校组织师生学习职业教育法。", heading: false },
      ],
      imageCount: 1,
    },
  };

  it("keeps a dated news draft of the week a daily report even when its title reads like the law summary", () => {
    const m = mail("荣昌职教中心5月17日新闻稿", [["活动.docx", DOCX_TYPE]]);
    const p = understandMessage({
      mail: m,
      campaign,
      roster: [],
      rawSha256: "0".repeat(64),
      receivedAt: new Date("2022-05-17T03:00:00Z"),
      contents: new Map([[0, lawTitled]]),
    });
    expect(p.documents[0]).toMatchObject({ kind: "daily_report", classifiedBy: "subject:新闻+dated_in_week" });
  });

  it("files the same document as the law summary when nothing dates it to a day of the week", () => {
    const m = mail("荣昌职教中心材料", [["活动.docx", DOCX_TYPE]]);
    const p = understandMessage({
      mail: m,
      campaign,
      roster: [],
      rawSha256: "0".repeat(64),
      receivedAt: new Date("2022-05-23T03:00:00Z"),
      contents: new Map([[0, lawTitled]]),
    });
    expect(p.documents[0]!.kind).toBe("law_summary");
  });
});
