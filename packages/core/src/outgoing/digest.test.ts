import { describe, expect, it } from "vitest";
import type { PlannedDigest } from "../schedule/outgoing-plan.ts";
import { anfu, bj, centre, rongchang, rongchangStatuses, yimin } from "../../test/rongchang-fixture.ts";
import { digestFrame, statsTotals, type DigestStatsRow } from "./digest-data.ts";
import { composeDigest, type DigestInput } from "./digest.ts";

const campaign = rongchang();
const levels = ["市级及以上", "区县级"];

const stats: DigestStatsRow[] = [
  {
    school: centre,
    teachers: 120,
    students: 1800,
    student_coverage_pct: 90,
    enterprises: 12,
    total_participants: 2100,
    activity_items: 8,
    media_reports_total: 7,
    media_reports_by_level: { 市级及以上: 2, 区县级: 5 },
  },
  {
    school: anfu,
    teachers: 40,
    students: 600,
    student_coverage_pct: 60,
    enterprises: 3,
    total_participants: 700,
    activity_items: 4,
    media_reports_total: null,
    media_reports_by_level: { 市级及以上: 0, 区县级: 3 },
  },
];

function input(now: Date, day: string, final = false): DigestInput {
  const planned: PlannedDigest = {
    kind: "digest",
    dedupeKey: `digest:rongchang-2022:${day}`,
    campaign: "rongchang-2022",
    at: now,
    to: { kind: "officials" },
    day,
    final,
  };
  return {
    ...digestFrame(campaign, planned, rongchangStatuses(), now),
    submissions: [
      { school: anfu, receivedAt: bj("2022-05-16 09:00"), filename: "安富职中5月16日活动简报.docx", kind: "daily_report" },
      { school: centre, receivedAt: bj("2022-05-16 10:00"), filename: "IMG_2041.JPG", kind: "media_photo" },
      { school: null, receivedAt: bj("2022-05-16 11:00"), filename: "<script>x</script>.docx", kind: "other" },
    ],
    statsTotals: statsTotals(stats, levels),
    openFindings: [
      { school: anfu, errors: 1, warnings: 2 },
      { school: centre, errors: 0, warnings: 0 },
    ],
    largeAttachments: [
      { school: centre, filename: "活动视频.mp4", url: "https://wx.mail.qq.com/ftn/download?func=3&k=abc", expiresAt: bj("2022-05-20 12:00") },
      { school: anfu, filename: "远期.mp4", url: "https://wx.mail.qq.com/ftn/download?k=far", expiresAt: bj("2022-06-15 12:00") },
      { school: anfu, filename: "坏链接.mp4", url: "javascript:alert(1)", expiresAt: bj("2022-05-18 12:00") },
    ],
    attachmentName: "汇总表-2022-05-16.xlsx",
  };
}

describe("composeDigest", () => {
  const m = composeDigest(input(bj("2022-05-16 20:30"), "2022-05-16"));

  it("names the day in the subject", () => {
    expect(m.subject).toBe("【日报摘要】2022年5月16日 2022年成渝地区双城经济圈职业教育活动周（荣昌区）报送情况");
  });

  it("sums up the day: what came in, what is overdue, what has errors", () => {
    expect(m.text).toContain("以下是2022年成渝地区双城经济圈职业教育活动周（荣昌区）截至2022年5月16日 20:30的报送情况。名册共3所学校。");
    expect(m.text).toContain("· 2022年5月16日收到2所学校的2份材料。");
    // 益民: the info form and both days' reports.
    expect(m.text).toContain("· 已过截止时间仍未收到：3项，涉及1所学校。");
    expect(m.text).toContain("· 另有1份材料无法确认来自哪所学校，请在管理后台处理。");
  });

  it("points the officials to the console when web.base_url is set", () => {
    const now = bj("2022-05-16 20:30");
    const planned: PlannedDigest = {
      kind: "digest",
      dedupeKey: "k",
      campaign: campaign.slug,
      at: now,
      to: { kind: "officials" },
      day: "2022-05-16",
      final: false,
    };
    const { consoleUrl } = digestFrame({ ...campaign, web: { base_url: "https://baosong.example.gov.cn/" } }, planned, [], now);
    const linked = composeDigest({ ...input(now, "2022-05-16"), consoleUrl });
    expect(linked.text).toContain(`· 另有1份材料无法确认来自哪所学校，请在管理后台处理：https://baosong.example.gov.cn/c/${campaign.slug}/pending`);
    expect(linked.text).toContain(`· 管理后台（各校材料、下载与处理）：https://baosong.example.gov.cn/c/${campaign.slug}`);
    expect(m.text).not.toContain("管理后台（");
  });

  it("shows the status matrix with the legend's words", () => {
    expect(m.text).toContain(
      `${yimin}：信息采集表 ✗ 未交；情况统计表 待交；活动周工作总结报告 待交；职业教育法宣传活动情况总结 待交；活动稿件/典型案例 已报0天，未报：5月15日、5月16日`,
    );
    expect(m.text).toContain(`${anfu}：信息采集表 ✓ 按时；情况统计表 待交`);
    expect(m.html).toContain('<th colspan="2"');
    expect(m.html).toContain("✗ 未交");
  });

  it("lists the day's submissions in order, unattributed ones marked", () => {
    expect(m.text).toContain(`09:00  ${anfu}  安富职中5月16日活动简报.docx  活动稿件/典型案例`);
    expect(m.text).toContain("11:00  （未能确认学校）  <script>x</script>.docx  其他文件");
  });

  it("totals the statistics forms, coverage weighted by implied enrolment", () => {
    expect(m.text).toContain("【情况统计表合计（2所学校）】");
    expect(m.text).toContain("参与活动的教师数：160人");
    expect(m.text).toContain("参与活动的学生数：2400人");
    // 1800 / 2000 and 600 / 1000 → 2400 / 3000.
    expect(m.text).toContain("学生参与覆盖率：80%");
    expect(m.text).toContain("活动周媒体报道数：10篇");
    expect(m.text).toContain("其中区县级媒体报道数：8篇");
  });

  it("counts open findings per school", () => {
    expect(m.text).toContain(`${anfu}：错误1项，提醒2项`);
    expect(m.text).not.toContain(`${centre}：错误0项`);
  });

  it("lists QQ large attachments expiring within a week, linking only http(s) URLs", () => {
    expect(m.text).toContain(`· ${centre}：活动视频.mp4 https://wx.mail.qq.com/ftn/download?func=3&k=abc （2022年5月20日 12:00过期）`);
    expect(m.text).not.toContain("远期.mp4");
    expect(m.html).toContain('<a href="https://wx.mail.qq.com/ftn/download?func=3&amp;k=abc">');
    expect(m.html).not.toContain('href="javascript');
  });

  it("escapes every outside string in HTML", () => {
    expect(m.html).toContain("&lt;script&gt;x&lt;/script&gt;.docx");
    expect(m.html).not.toContain("<script>");
  });

  it("mentions the attached workbook", () => {
    expect(m.text).toContain("完整数据见附件《汇总表-2022-05-16.xlsx》");
  });

  it("calls the last one the final digest", () => {
    const final = composeDigest(input(bj("2022-05-21 20:30"), "2022-05-21", true));
    expect(final.subject).toBe("【最终汇总】2022年成渝地区双城经济圈职业教育活动周（荣昌区）报送情况（截至2022年5月21日）");
    expect(final.text).toContain("所有截止时间均已过，这是最终汇总");
  });

  it("says so when no statistics form has arrived", () => {
    expect(composeDigest({ ...input(bj("2022-05-16 20:30"), "2022-05-16"), statsTotals: statsTotals([], []) }).text).toContain(
      "尚未收到任何学校的情况统计表。",
    );
  });
});

describe("statsTotals", () => {
  it("takes the sum of the levels when a form leaves the media total empty", () => {
    const t = statsTotals(stats, levels);
    expect(t).toMatchObject({ reporting: 2, teachers: 160, enterprises: 15, total_participants: 2800, activity_items: 12, media_reports_total: 10 });
    expect(t.media_reports_by_level).toEqual({ 市级及以上: 2, 区县级: 8 });
  });

  it("gives no coverage when no school gave students and coverage", () => {
    expect(statsTotals([{ ...stats[0]!, student_coverage_pct: null }], levels).student_coverage_pct).toBeNull();
  });
});

describe("composeDigest for a roster larger than a mail can show", () => {
  // 1,200 schools: every third has everything overdue, the others are on time.
  const now = bj("2022-05-16 20:30");
  const base = input(now, "2022-05-16");
  const columns = base.matrix.columns;
  const rows = Array.from({ length: 1200 }, (_, i) => ({
    school: `学校${String(i).padStart(4, "0")}`,
    cells: columns.map((c) => (i % 3 === 0 && c.dueAt <= now ? ("missing" as const) : ("on_time" as const))),
  }));
  const big = composeDigest({ ...base, matrix: { columns, rows } });

  it("lists the schools that need attention, in roster order, and says where the rest are", () => {
    expect(big.text).toContain("名册共1200所学校，邮件中只列出有逾期未交或需修改材料的400所；全部学校的情况见附件《汇总表-2022-05-16.xlsx》。");
    expect(big.text).toContain("学校0000：");
    expect(big.text).toContain("学校1197：");
    expect(big.text).not.toContain("学校0001：");
    expect(big.text.indexOf("学校0003：")).toBeLessThan(big.text.indexOf("学校0006："));
  });

  it("still counts every school in the overview", () => {
    expect(big.text).toContain("名册共1200所学校。");
    expect(big.text).toContain("涉及400所学校");
  });
});
