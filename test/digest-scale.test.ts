import { PassThrough } from "node:stream";
import { buffer } from "node:stream/consumers";
import { sql } from "drizzle-orm";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SchoolStatusCollector, zonedToInstant } from "@baosong/core";
import { eachFiledItem } from "@baosong/db";
import { composeDigestMail, type DigestMail } from "@baosong/svc-scheduler";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { applyTestCampaign, testCampaign } from "./support/campaign.ts";

/**
 * A digest of a few thousand schools, their forms filed in bulk: the streamed 汇总表 has every
 * school of the roster, in roster order, and totals that add up; the mail says the same.
 */
const SCHOOLS = 2500;
const school = (i: number) => `测试市第${i}职业学校`;
const bj = (local: string) => zonedToInstant(local, "Asia/Shanghai");
// Figures of school i (1-based), as the SQL below files them; every 5th school sent no 统计表.
const sentStats = (i: number) => i % 5 !== 0;
const teachers = (i: number) => 50 + (i % 100);
const cityReports = (i: number) => i % 3;
// 稿件 and 照片 of school i on 5/16; nothing on 5/15.
const reports = (i: number) => (i % 2 === 0 ? 1 : 0);
const photos = (i: number) => (i % 2 === 0 ? 3 : 0);

describe("a digest of thousands of schools", () => {
  let t: TestDatabase;
  let digest: DigestMail;
  let wb: ExcelJS.Workbook;

  beforeAll(async () => {
    t = await createTestDatabase();
    const campaign = testCampaign({
      officials: [{ name: "区教委职成科", email: "zck@example.gov.cn" }],
      requirements: [
        { id: "info-form", kind: "info_form", title: "信息采集表", due: "2022-05-13 18:00" },
        { id: "daily-report", kind: "daily_report", title: "每日信息", daily: { from: "2022-05-15", to: "2022-05-16", by: "20:00" } },
        { id: "stats-form", kind: "stats_form", title: "情况统计表", due: "2022-05-21 18:00", rules: { media_levels: ["市级及以上", "区县级"] } },
      ],
      // Roster order is not name order: the workbook must follow the roster.
      schools: Array.from({ length: SCHOOLS }, (_, k) => SCHOOLS - k).map((i) => ({ name: school(i), senders: [`s${i}@example.cn`] })),
    });
    const applied = await applyTestCampaign(t.db, campaign);
    await fileInBulk(t, applied.id, applied.mailboxIds.main!);

    const now = bj("2022-05-21 20:30");
    const collector = new SchoolStatusCollector(campaign, now);
    await eachFiledItem(t.db, applied.id, (item) => collector.add(item));
    const out = new PassThrough();
    const planned = {
      kind: "digest",
      dedupeKey: "scale",
      campaign: campaign.slug,
      at: now,
      to: { kind: "officials" },
      day: "2022-05-16",
      final: true,
    } as const;
    const [composed, bytes] = await Promise.all([
      composeDigestMail(t.db, { campaign, campaignId: applied.id, statuses: collector.statuses(), now }, planned, out),
      buffer(out),
    ]);
    digest = composed;
    wb = new ExcelJS.Workbook();
    await wb.xlsx.load(bytes as unknown as ExcelJS.Buffer);
  }, 120_000);
  afterAll(async () => {
    await t?.drop();
  });

  const column = (sheet: string, col: number, from: number, count: number) => {
    const ws = wb.getWorksheet(sheet)!;
    return Array.from({ length: count }, (_, k) => ws.getCell(from + k, col).value);
  };
  const roster = Array.from({ length: SCHOOLS }, (_, k) => school(SCHOOLS - k));
  const numbers = Array.from({ length: SCHOOLS }, (_, k) => SCHOOLS - k);
  const sum = (f: (i: number) => number) => numbers.reduce((s, i) => s + f(i), 0);

  it("lists every school of the roster, in its order, on every sheet", () => {
    expect(column("情况统计表", 1, 4, SCHOOLS)).toEqual(roster);
    expect(column("信息采集表", 1, 3, SCHOOLS)).toEqual(roster);
    expect(column("每日报送", 1, 4, SCHOOLS)).toEqual(roster);
    expect(column("报送情况", 1, 4, SCHOOLS)).toEqual(roster);
  });

  it("puts each school's own figures in its row, and adds them up in 合计", () => {
    expect(column("情况统计表", 3, 4, SCHOOLS)).toEqual(numbers.map((i) => (sentStats(i) ? teachers(i) : null)));
    expect(column("情况统计表", 9, 4, SCHOOLS)).toEqual(numbers.map((i) => (sentStats(i) ? cityReports(i) : null)));
    const total = wb.getWorksheet("情况统计表")!.getRow(4 + SCHOOLS);
    expect(total.getCell(1).value).toBe("合计");
    expect(total.getCell(2).value).toBe(numbers.filter(sentStats).length);
    expect(total.getCell(3).value).toBe(sum((i) => (sentStats(i) ? teachers(i) : 0)));
    expect(total.getCell(9).value).toBe(sum((i) => (sentStats(i) ? cityReports(i) : 0)));
    expect(column("信息采集表", 2, 3, SCHOOLS)).toEqual(numbers.map((i) => `联系人${i}`));
  });

  it("counts the daily items per school and in total", () => {
    const ws = wb.getWorksheet("每日报送")!;
    // 5/15 稿件 照片 视频, 5/16 稿件 照片 视频, 合计 稿件 照片 视频
    expect(column("每日报送", 5, 4, SCHOOLS)).toEqual(numbers.map(reports));
    expect(column("每日报送", 6, 4, SCHOOLS)).toEqual(numbers.map(photos));
    const total = ws.getRow(4 + SCHOOLS);
    expect([2, 5, 6, 8, 9].map((c) => total.getCell(c).value)).toEqual([0, sum(reports), sum(photos), sum(reports), sum(photos)]);
  });

  it("gives the mail the same totals and the status of every school", () => {
    expect(digest.mail.text).toContain(`参与活动的教师数：${sum((i) => (sentStats(i) ? teachers(i) : 0))}人`);
    expect(digest.mail.text).toContain(`情况统计表：已收到${numbers.filter(sentStats).length}所学校（共${SCHOOLS}所）。`);
    const statsColumn = column("报送情况", 2 + 3, 4, SCHOOLS);
    expect(statsColumn).toEqual(numbers.map((i) => (sentStats(i) ? "✓ 按时" : "✗ 未交")));
  });
});

/** Per school: an 信息采集表, a 情况统计表 (4 in 5 schools), and on 5/16 a 稿件 and 3 photos (every other school). */
async function fileInBulk(t: TestDatabase, campaignId: number, mailboxId: number): Promise<void> {
  const plan = sql`select s.id as school_id, substring(s.name from '第(\\d+)职')::int as i, k.kind
                   from schools s cross join (values ('info'), ('stats'), ('daily')) k(kind) where s.campaign_id = ${campaignId}`;
  await t.db.execute(sql`
    insert into messages (campaign_id, mailbox_id, raw_sha256, raw_key, message_id, from_address, subject, received_at, size_bytes, school_id, attributed_by, status)
    select ${campaignId}, ${mailboxId}, md5(p.i || p.kind), 'raw/' || md5(p.i || p.kind), md5(p.i || p.kind) || '@example.cn', 's' || p.i || '@example.cn', p.kind,
           case p.kind when 'info' then timestamptz '2022-05-12 02:00Z' when 'stats' then timestamptz '2022-05-20 02:00Z' else timestamptz '2022-05-16 02:00Z' end,
           1000, p.school_id, 'sender', 'filed'
    from (${plan}) p
    where (p.kind <> 'stats' or p.i % 5 <> 0) and (p.kind <> 'daily' or p.i % 2 = 0)`);
  await t.db.execute(sql`
    insert into documents (message_id, position, filename, media_type, size_bytes, sha256, blob_key, origin, kind, activity_day, parse_status)
    select m.id, g.pos, m.subject || g.pos, 'application/octet-stream', 100, md5(m.id || ':' || g.pos), 'b', 'attachment',
           case m.subject when 'info' then 'info_form' when 'stats' then 'stats_form' else case g.pos when 0 then 'daily_report' else 'media_photo' end end,
           case m.subject when 'daily' then date '2022-05-16' end, 'parsed'
    from messages m cross join generate_series(0, 3) g(pos)
    where m.campaign_id = ${campaignId} and (g.pos = 0 or m.subject = 'daily')`);
  const owned = sql`from documents d join messages m on m.id = d.message_id join schools s on s.id = m.school_id`;
  await t.db.execute(sql`
    insert into info_forms (campaign_id, message_id, document_id, school_id, submitted_at, contact_name, mobile)
    select ${campaignId}, m.id, d.id, m.school_id, m.received_at, '联系人' || substring(s.name from '第(\\d+)职'), '13800000000'
    ${owned} where d.kind = 'info_form'`);
  await t.db.execute(sql`
    insert into stats_forms (campaign_id, message_id, document_id, school_id, submitted_at, teachers, students, student_coverage_pct, media_reports_total, media_reports_by_level)
    select ${campaignId}, m.id, d.id, m.school_id, m.received_at, 50 + x.i % 100, 1000, 80, x.i % 3 + 1, jsonb_build_object('市级及以上', x.i % 3, '区县级', 1)
    ${owned} cross join lateral (select substring(s.name from '第(\\d+)职')::int as i) x where d.kind = 'stats_form'`);
}
