import { PassThrough } from "node:stream";
import { buffer } from "node:stream/consumers";
import { describe, expect, it } from "vitest";
import ExcelJS from "exceljs";
import { campaignSchema, statusMatrix, zonedToInstant, type DigestStatsRow } from "@baosong/core";
import { digestRowsOf } from "./digest-rows.ts";
import { WorkbookOutputClosedError, writeDigestWorkbook, type DigestWorkbookInput } from "./digest-workbook.ts";

const bj = (local: string) => zonedToInstant(local, "Asia/Shanghai");
const centre = "重庆市荣昌区职业教育中心";
const anfu = "重庆市荣昌区安富职业中学";
const injected = '=HYPERLINK("http://x","y")';

const campaign = campaignSchema.parse({
  slug: "rongchang-2022",
  title: "2022年职业教育活动周",
  organizer: "重庆市荣昌区教育委员会",
  period: { start: "2022-05-15", end: "2022-05-21" },
  mailboxes: [{ id: "main", address: "112812581@qq.com", imap: { host: "imap.qq.com", user: "112812581@qq.com", password_env: "X" } }],
  smtp: { host: "smtp.qq.com", user: "112812581@qq.com", password_env: "X", from_name: "荣昌区教委" },
  requirements: [
    { id: "info-form", kind: "info_form", title: "信息采集表", due: "2022-05-13 18:00" },
    { id: "daily-report", kind: "daily_report", title: "每日信息", daily: { from: "2022-05-15", to: "2022-05-16", by: "20:00" } },
    { id: "stats-form", kind: "stats_form", title: "情况统计表", due: "2022-05-21 18:00", rules: { media_levels: ["市级及以上", "区县级"] } },
  ],
  schools: [{ name: centre }, { name: anfu }, { name: injected }],
});

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
    media_reports_total: 3,
    media_reports_by_level: { 市级及以上: 0, 区县级: 3 },
  },
];

const now = bj("2022-05-21 20:30");
const arrays = digestRowsOf({
  schools: campaign.schools.map((s) => s.name),
  mediaLevels: ["市级及以上", "区县级"],
  stats,
  infoForms: [
    {
      school: centre,
      contact_name: "张老师",
      contact_title: "办公室主任",
      mobile: "13800000000",
      qq: "2853310476",
      website_url: "https://rczj.example.cn/hdz",
      plan_text: "5月15日启动仪式",
      featured_text: "技能服务进社区",
    },
    {
      school: anfu,
      contact_name: "+李老师",
      contact_title: "@宣传",
      mobile: "-1",
      qq: "735106992",
      website_url: "\tjavascript:x",
      plan_text: "\r计划",
      featured_text: null,
    },
  ],
  days: ["2022-05-15", "2022-05-16"],
  daily: [
    { school: centre, day: "2022-05-15", daily_reports: 2, photos: 10, videos: 1 },
    { school: centre, day: "2022-05-16", daily_reports: 1, photos: 4, videos: 0 },
    { school: anfu, day: "2022-05-16", daily_reports: 1, photos: 3, videos: 2 },
  ],
});
const input: DigestWorkbookInput = {
  campaignTitle: campaign.title,
  timeZone: campaign.timezone,
  now,
  schools: campaign.schools.map((s) => s.name),
  mediaLevels: ["市级及以上", "区县级"],
  days: ["2022-05-15", "2022-05-16"],
  ...arrays,
  matrix: statusMatrix(
    campaign,
    [
      { school: centre, deadlineId: "info-form", submissions: [{ receivedAt: bj("2022-05-12 10:00"), valid: true }] },
      { school: anfu, deadlineId: "info-form", submissions: [{ receivedAt: bj("2022-05-14 10:00"), valid: true }] },
      { school: centre, deadlineId: "stats-form", submissions: [{ receivedAt: bj("2022-05-20 10:00"), valid: true }] },
      { school: anfu, deadlineId: "stats-form", submissions: [{ receivedAt: bj("2022-05-20 10:00"), valid: false }] },
    ],
    now,
  ),
};

async function open(): Promise<ExcelJS.Workbook> {
  const out = new PassThrough();
  const [bytes] = await Promise.all([buffer(out), writeDigestWorkbook(input, out)]);
  const wb = new ExcelJS.Workbook();
  // exceljs declares its own Buffer (an ArrayBuffer); Node's Buffer is what it reads.
  await wb.xlsx.load(bytes as unknown as ExcelJS.Buffer);
  return wb;
}

const rowValues = (ws: ExcelJS.Worksheet, row: number, from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => ws.getCell(row, from + i).value);

describe("writeDigestWorkbook", () => {
  it("lays out the 情况统计表 with the seed's two-row header, media levels merged under one head", async () => {
    const ws = (await open()).getWorksheet("情况统计表")!;
    expect(ws.getCell("A1").value).toBe("2022年职业教育活动周情况统计表（汇总）");
    expect(ws.getCell("A2").value).toBe("区县/高职院校（含职教本科）");
    expect(ws.getCell("B2").value).toBe("参与活动的职业院校数\n（仅区县教育行政部门填写）");
    expect(ws.getCell("G2").value).toBe("参与\n总人数");
    expect(ws.getCell("I2").value).toBe("活动周媒体报道数");
    expect(ws.getCell("I3").value).toBe("市级及以上媒体报道数");
    expect(ws.getCell("J3").value).toBe("区县级媒体报道数");
    expect(ws.getCell("J2").isMerged && ws.getCell("J2").master.address).toBe("I2");
    expect(ws.getCell("A3").master.address).toBe("A2");
    expect(ws.getCell("H3").master.address).toBe("H2");
    expect(ws.getCell("A1").font?.bold).toBe(true);
    expect(ws.getCell("C2").font?.bold).toBe(true);
    expect(ws.views[0]).toMatchObject({ state: "frozen", ySplit: 3, xSplit: 1 });
  });

  it("writes one row per school and a 合计 row with the totals", async () => {
    const ws = (await open()).getWorksheet("情况统计表")!;
    expect(rowValues(ws, 4, 1, 10)).toEqual([centre, null, 120, 1800, 0.9, 12, 2100, 8, 2, 5]);
    expect(rowValues(ws, 5, 1, 10)).toEqual([anfu, null, 40, 600, 0.6, 3, 700, 4, 0, 3]);
    // The injected school has sent no form: its row is its name only.
    expect(rowValues(ws, 6, 2, 10).every((v) => v === null)).toBe(true);
    // 2 schools counted; coverage 2400 of an implied 3000 students.
    expect(rowValues(ws, 7, 1, 10)).toEqual(["合计", 2, 160, 2400, 0.8, 15, 2800, 12, 2, 8]);
    expect(ws.getCell("E4").numFmt).toBe("0%");
    expect(ws.getCell("A7").font?.bold).toBe(true);
  });

  it("stores a school name that looks like a formula as text, not as a formula", async () => {
    const wb = await open();
    for (const name of ["情况统计表", "信息采集表", "每日报送", "报送情况"]) {
      const ws = wb.getWorksheet(name)!;
      const cell = ws.getColumn(1).values.findIndex((v) => typeof v === "string" && v.includes("HYPERLINK"));
      const c = ws.getCell(cell, 1);
      expect(c.type).toBe(ExcelJS.ValueType.String);
      expect(c.formula).toBeUndefined();
      expect(c.value).toBe(`'${injected}`);
    }
  });

  it("makes every cell that begins with + - @, a tab or a CR inert", async () => {
    const ws = (await open()).getWorksheet("信息采集表")!;
    expect(rowValues(ws, 4, 2, 6)).toEqual(["'+李老师", "'@宣传", "'-1", "735106992", "'\tjavascript:x"]);
    // XML parsers read a bare CR back as LF; the quote in front is what matters.
    expect(ws.getCell(4, 7).value).toMatch(/^'[\r\n]计划$/);
  });

  it("rolls up the 信息采集表, one row per school", async () => {
    const ws = (await open()).getWorksheet("信息采集表")!;
    expect(rowValues(ws, 2, 1, 8)).toEqual(["中职学校", "联系人", "职务", "手机", "QQ号", "专题网站（专栏）链接地址", "活动周初步考虑", "特色活动简介"]);
    expect(rowValues(ws, 3, 1, 8)).toEqual([
      centre,
      "张老师",
      "办公室主任",
      "13800000000",
      "2853310476",
      "https://rczj.example.cn/hdz",
      "5月15日启动仪式",
      "技能服务进社区",
    ]);
    expect(ws.views[0]).toMatchObject({ state: "frozen", ySplit: 2 });
  });

  it("counts the daily items per school and day, with totals both ways", async () => {
    const ws = (await open()).getWorksheet("每日报送")!;
    expect(ws.getCell("B2").value).toBe("5月15日");
    expect(ws.getCell("D2").master.address).toBe("B2");
    expect(rowValues(ws, 3, 2, 4)).toEqual(["稿件", "照片", "视频"]);
    expect(ws.getCell("H2").value).toBe("合计");
    expect(rowValues(ws, 4, 1, 10)).toEqual([centre, 2, 10, 1, 1, 4, 0, 3, 14, 1]);
    expect(rowValues(ws, 5, 1, 10)).toEqual([anfu, 0, 0, 0, 1, 3, 2, 1, 3, 2]);
    expect(rowValues(ws, 7, 1, 10)).toEqual(["合计", 2, 10, 1, 2, 7, 2, 4, 17, 3]);
  });

  it("shows the status matrix in the words of the digest", async () => {
    const ws = (await open()).getWorksheet("报送情况")!;
    expect(rowValues(ws, 2, 1, 4)).toEqual(["学校", "信息采集表", "活动稿件/典型案例", "活动稿件/典型案例"]);
    expect(rowValues(ws, 3, 3, 4)).toEqual(["5月15日", "5月16日"]);
    expect(ws.getCell("D2").master.address).toBe("C2");
    expect(rowValues(ws, 4, 1, 5)).toEqual([centre, "✓ 按时", "✗ 未交", "✗ 未交", "✓ 按时"]);
    expect(rowValues(ws, 5, 1, 5)).toEqual([anfu, "迟交", "✗ 未交", "✗ 未交", "! 有误"]);
  });
});

describe("writeDigestWorkbook when its output gives up", () => {
  it("stops reading rows and fails, rather than writing on into a closed output", async () => {
    const schools = Array.from({ length: 5000 }, (_, i) => `学校${i}`);
    const { rows, statsTotals } = digestRowsOf({ schools, mediaLevels: [], days: [], stats: [], infoForms: [], daily: [] });
    let read = 0;
    const counted = { ...rows, eachStats: (visit: Parameters<typeof rows.eachStats>[0]) => rows.eachStats((r) => (read++, visit(r))) };
    const out = new PassThrough();
    // A store that refuses after the first bytes, as a full disk or a size limit would.
    out.once("data", () => out.destroy(new Error("disk full")));
    const writing = writeDigestWorkbook({ ...input, schools, mediaLevels: [], days: [], rows: counted, statsTotals, matrix: { columns: [], rows: [] } }, out);
    await expect(writing).rejects.toThrow(WorkbookOutputClosedError);
    expect(read).toBeGreaterThan(0);
    expect(read).toBeLessThan(schools.length);
  });
});
