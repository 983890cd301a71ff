import { createReadStream, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { Readable } from "node:stream";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { Job, Queue } from "bullmq";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalBlobStore } from "@baosong/blobs";
import { createLogger } from "@baosong/log";
import { JobQueues, jobIds, type IngestJob } from "@baosong/queue";
import { createIngestProcessor, startWorker } from "@baosong/svc-worker";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { applyTestCampaign, testCampaign } from "./support/campaign.ts";

const fixtures = join(import.meta.dirname, "fixtures/mail");
const manifest = JSON.parse(readFileSync(join(fixtures, "manifest.json"), "utf8"));
const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

describe("the ingest worker", () => {
  let t: TestDatabase;
  let dir: string;
  let blobs: LocalBlobStore;
  let queues: JobQueues;
  let campaignId: number;
  let mailboxId: number;
  const prefix = `bst-${randomBytes(4).toString("hex")}`;
  const logger = createLogger({ level: "silent" });

  beforeAll(async () => {
    t = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), "baosong-worker-"));
    blobs = new LocalBlobStore(dir);
    queues = new JobQueues({ redisUrl, prefix });
    const applied = await applyTestCampaign(t.db);
    campaignId = applied.id;
    mailboxId = applied.mailboxIds.main!;
  });
  afterAll(async () => {
    for (const name of ["ingest", "send"]) await queues.queue(name).obliterate({ force: true });
    await queues.close();
    await t?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  async function secure(file: string, uid: number): Promise<IngestJob> {
    const stored = await blobs.put(createReadStream(join(fixtures, file)));
    return {
      campaignId,
      mailboxId,
      rawKey: stored.key,
      rawSha256: stored.sha256,
      uidValidity: 1,
      uid,
      sizeBytes: stored.size,
      internalDate: "2022-05-12T02:30:00.000Z",
    };
  }

  it("files a school's mail with its documents, attributes it by sender and queues one threaded 回执", async () => {
    const data = await secure("school-info-form.eml", 1);
    const worker = startWorker({ db: t.db, blobs, queues, logger, redisUrl, prefix });
    try {
      await queues.add("mail.ingest", data, jobIds.ingest(data));
      await waitFor(async () => (await t.pool.query("select count(*)::int as n from messages")).rows[0].n === 1);
    } finally {
      await worker.stop();
    }
    const {
      rows: [m],
    } = await t.pool.query("select * from dashboard.messages");
    expect(m).toMatchObject({
      campaign: "test-rongchang",
      message_id: "info-form-2022@rczj.example.cn",
      mailbox: "112812581@qq.com",
      from_address: "rczj@example.cn",
      school: "重庆市荣昌区职业教育中心",
      attributed_by: "sender",
      status: "filed",
      auto_reply: false,
    });
    expect(m.received_at.toISOString()).toBe("2022-05-12T02:30:00.000Z");
    const docs = await t.pool.query("select filename, sha256, size_bytes, media_type, kind from dashboard.documents order by filename");
    expect(
      docs.rows.map((d) => ({ filename: d.filename, sha256: d.sha256, size: Number(d.size_bytes) })).sort((a, b) => a.filename.localeCompare(b.filename)),
    ).toEqual([...manifest["school-info-form.eml"].attachments].sort((a, b) => a.filename.localeCompare(b.filename)));
    expect(docs.rows.find((d) => d.filename === "活动照片1.png")).toMatchObject({ media_type: "image/png", kind: "media_photo" });
    expect(docs.rows.find((d) => d.filename.endsWith(".xlsx")).kind).toBe("info_form");

    const ack = await t.pool.query("select * from outbox");
    expect(ack.rows).toHaveLength(1);
    expect(ack.rows[0]).toMatchObject({
      kind: "ack",
      to_address: "rczj@example.cn",
      status: "queued",
      in_reply_to: "info-form-2022@rczj.example.cn",
      references: ["info-form-2022@rczj.example.cn"],
    });
    expect(ack.rows[0].text_body).toContain("2022年职业教育活动周信息采集表.xlsx");
    expect(ack.rows[0].text_body).toContain("情况统计表，截止时间：2022年5月21日 18:00");
    expect(ack.rows[0].text_body).not.toContain("信息采集表，截止时间");
    const send = await queues.queue("send").getJob(jobIds.send({ outboxId: Number(ack.rows[0].id) }));
    expect(send?.data).toEqual({ outboxId: Number(ack.rows[0].id) });
  });

  /** Runs the processor directly on a job, as BullMQ would on a retry. */
  /** Composes a mail as a client would, stores it as the poller does, and files it once. */
  async function ingestComposed(mail: ConstructorParameters<typeof MailComposer>[0], uid: number, internalDate: string) {
    const raw = await new MailComposer(mail).compile().build();
    const stored = await blobs.put(Readable.from([raw]));
    const data = { campaignId, mailboxId, rawKey: stored.key, rawSha256: stored.sha256, uidValidity: 1, uid, sizeBytes: stored.size, internalDate };
    return runOnce(createIngestProcessor({ db: t.db, blobs, queues, logger }), data);
  }

  async function runOnce(process: ReturnType<typeof createIngestProcessor>, data: IngestJob) {
    const queue = new Queue("ingest", { connection: { url: redisUrl }, prefix });
    try {
      return await process(new Job(queue, "mail.ingest", data, { jobId: jobIds.ingest(data) }));
    } finally {
      await queue.close();
    }
  }

  it("files once and queues one 回执 when the same job runs twice", async () => {
    const data = await secure("school-info-form.eml", 1);
    const process = createIngestProcessor({ db: t.db, blobs, queues, logger });
    const again = await runOnce(process, data);
    expect(again.created).toBe(false);
    expect(again.messageRowId).toBe(Number((await t.pool.query("select id from messages")).rows[0].id));
    expect((await t.pool.query("select count(*)::int as n from messages")).rows[0].n).toBe(1);
    expect((await t.pool.query("select count(*)::int as n from documents")).rows[0].n).toBe(2);
    expect((await t.pool.query("select count(*)::int as n from outbox")).rows[0].n).toBe(1);
    expect((await queues.queue("send").getJobCounts("waiting")).waiting).toBe(1);
  });

  it.each([
    ["auto-reply.eml", "auto_reply:auto_submitted"],
    ["bounce.eml", "auto_reply:bounce"],
    ["recall.eml", "auto_reply:recall_notice"],
  ])("files %s but does not acknowledge it", async (file, reason) => {
    const data = await secure(file, 2);
    const process = createIngestProcessor({ db: t.db, blobs, queues, logger });
    const filed = await runOnce(process, data);
    expect(filed.created).toBe(true);
    const {
      rows: [m],
    } = await t.pool.query("select auto_reply, status from messages where id = $1", [filed.messageRowId]);
    expect(m.auto_reply).toBe(true);
    const { rows } = await t.pool.query("select status, suppressed_reason from outbox where related_message_id = $1", [filed.messageRowId]);
    expect(rows).toEqual([{ status: "suppressed", suppressed_reason: reason }]);
  });

  it("files a news draft pasted into the body as that day's daily report", async () => {
    const data = await secure("body-article.eml", 5);
    const filed = await runOnce(createIngestProcessor({ db: t.db, blobs, queues, logger }), data);
    const { rows } = await t.pool.query(
      "select school, filename, kind, activity_day::text, media_type, classified_by from dashboard.documents where message_id = 'body-article-1@ym.example.cn'",
    );
    expect(rows).toEqual([
      {
        school: "重庆益民技工学校",
        filename: "（邮件正文）",
        kind: "daily_report",
        activity_day: "2022-05-17",
        media_type: "text/plain",
        classified_by: expect.stringMatching(/^body:/),
      },
    ]);
    const ack = await t.pool.query("select text_body from outbox where related_message_id = $1", [filed.messageRowId]);
    expect(ack.rows[0].text_body).toContain("（邮件正文）");
    expect(ack.rows[0].text_body).toContain("识别为：活动稿件/典型案例");
    const reports = await t.pool.query(
      "select filename, kind, activity_day::text, char_count > 0 as has_text from dashboard.reports where message_id = 'body-article-1@ym.example.cn'",
    );
    expect(reports.rows).toEqual([{ filename: "（邮件正文）", kind: "daily_report", activity_day: "2022-05-17", has_text: true }]);
  });

  it("shows in school_status what each school delivered on time and what it still owes", async () => {
    const { rows } = await t.pool.query("select school, requirement, status, first_received_at from dashboard.school_status order by school, requirement");
    expect(rows).toEqual([
      { school: "重庆市荣昌区职业教育中心", requirement: "info_form", status: "on_time", first_received_at: new Date("2022-05-12T02:30:00Z") },
      { school: "重庆市荣昌区职业教育中心", requirement: "stats_form", status: "missing", first_received_at: null },
      { school: "重庆益民技工学校", requirement: "info_form", status: "missing", first_received_at: null },
      { school: "重庆益民技工学校", requirement: "stats_form", status: "missing", first_received_at: null },
    ]);
    const matrix = await t.pool.query(
      "select school, day::text, daily_reports, photos, videos from dashboard.daily_matrix where daily_reports + photos + videos > 0 order by school, day",
    );
    expect(matrix.rows).toEqual([{ school: "重庆益民技工学校", day: "2022-05-17", daily_reports: 1, photos: 0, videos: 0 }]);
    expect((await t.pool.query("select count(*)::int as n from dashboard.daily_matrix")).rows[0].n).toBe(2 * 7);
  });

  it("reads a misnamed stats form by its content, attributes the stranger's mail by the form's unit, and files the figures", async () => {
    const forms = join(import.meta.dirname, "fixtures/forms");
    const filed = await ingestComposed(
      {
        from: "stranger@163.com",
        to: "112812581@qq.com",
        subject: "统计",
        messageId: "<stats-by-form@163.com>",
        text: "见附件",
        attachments: [
          { filename: "新建 Microsoft Excel 工作表.xlsx", content: readFileSync(join(forms, "新建 Microsoft Excel 工作表.xlsx")) },
          { filename: "附件1.xlsx", content: readFileSync(join(forms, "bad-info.xlsx")) },
        ],
      },
      9,
      "2022-05-20T08:00:00.000Z",
    );
    const {
      rows: [m],
    } = await t.pool.query("select school, attributed_by, status from dashboard.messages where message_id = 'stats-by-form@163.com'");
    // A stranger attributed by the form's unit cell needs an admin's confirmation (SPEC §3 Trust).
    expect(m).toEqual({ school: "重庆市荣昌区职业教育中心", attributed_by: "form", status: "needs_confirmation" });
    const docs = await t.pool.query(
      "select filename, kind, parse_status, classified_by from dashboard.documents where message_id = 'stats-by-form@163.com' order by filename",
    );
    expect(docs.rows).toEqual([
      {
        filename: "新建 Microsoft Excel 工作表.xlsx",
        kind: "stats_form",
        parse_status: "parsed",
        classified_by: expect.stringMatching(/^content:sheet_header:/),
      },
      { filename: "附件1.xlsx", kind: "info_form", parse_status: "invalid", classified_by: expect.stringMatching(/^content:/) },
    ]);
    const expected = JSON.parse(readFileSync(join(forms, "expected.json"), "utf8"))["新建 Microsoft Excel 工作表.xlsx"].fields;
    const {
      rows: [stats],
    } = await t.pool.query("select * from dashboard.stats_forms where message_id = 'stats-by-form@163.com'");
    expect(stats).toMatchObject({
      is_latest: true,
      teachers: expected.teachers,
      students: expected.students,
      student_coverage_pct: expected.student_coverage_pct,
      media_reports_total: expected.media_reports_total,
      media_reports_by_level: expected.media_reports_by_level,
    });
    const findings = await t.pool.query(
      "select filename, code from dashboard.findings where message_id = 'stats-by-form@163.com' and filename is not null order by code",
    );
    expect(findings.rows.map((f) => f.code)).toEqual(["info.mobile_invalid", "info.plan_too_long", "info.qq_invalid", "info.url_invalid"]);
    expect(new Set(findings.rows.map((f) => f.filename))).toEqual(new Set(["附件1.xlsx"]));
    const {
      rows: [info],
    } = await t.pool.query("select is_latest, unit_name from dashboard.info_forms where message_id = 'stats-by-form@163.com'");
    expect(info).toEqual({ is_latest: true, unit_name: "重庆市荣昌区职业教育中心" });
    const ack = await t.pool.query("select text_body from outbox where related_message_id = $1", [filed.messageRowId]);
    const text: string = ack.rows[0].text_body;
    expect(text).toContain("识别为：情况统计表");
    expect(text).toContain(`重庆市荣昌区职业教育中心：教师 ${expected.teachers} 人，学生 ${expected.students} 人，覆盖率 ${expected.student_coverage_pct}%`);
    // The info form's problems are listed under that file, each with how to fix it.
    const infoBlock = text.slice(text.indexOf("附件1.xlsx"));
    expect(infoBlock).toMatch(/· 【错误】.*手机/);
    // The only problem of the mail as a whole: the sender is not on the school's roster.
    expect(text.slice(text.indexOf("需要您注意的问题"))).toContain("stranger@163.com 不在“重庆市荣昌区职业教育中心”的报送名册中");
  });

  it("unpacks a Windows zip with GBK names and files each member under its decoded path", async () => {
    const archives = join(import.meta.dirname, "fixtures/archives");
    const expected = JSON.parse(readFileSync(join(archives, "expected.json"), "utf8"))["windows-gbk.zip"].members as { path: string; sha256: string }[];
    await ingestComposed(
      {
        from: "rczj@example.cn",
        to: "112812581@qq.com",
        subject: "活动周材料打包",
        messageId: "<zip-gbk@rczj.example.cn>",
        text: "材料见压缩包",
        attachments: [{ filename: "windows-gbk.zip", content: readFileSync(join(archives, "windows-gbk.zip")) }],
      },
      10,
      "2022-05-16T08:00:00.000Z",
    );
    const { rows } = await t.pool.query(
      "select filename, sha256, origin from dashboard.documents where message_id = 'zip-gbk@rczj.example.cn' and origin = 'archive' order by filename",
    );
    expect(rows.map((r) => ({ path: r.filename, sha256: r.sha256 }))).toEqual([...expected].sort((a, b) => (a.path < b.path ? -1 : 1)));
  });

  it("records a QQ 超大附件 link with its expiry and warns the school in the 回执", async () => {
    const data = await secure("qq-large-attachment.eml", 4);
    const filed = await runOnce(createIngestProcessor({ db: t.db, blobs, queues, logger }), data);
    const { rows } = await t.pool.query(
      "select school, filename, url, size_text, expires_at from dashboard.large_attachments where message_id = 'qq-big-1@qq.com'",
    );
    expect(rows).toEqual([
      {
        school: "重庆市荣昌区职业教育中心",
        filename: "5月16日活动视频.mp4",
        url: "https://mail.qq.com/cgi-bin/ftnExs_download?k=5f3a&t=exs_ftn_download",
        size_text: "312.5M",
        expires_at: new Date(1655371200 * 1000),
      },
    ]);
    const ack = await t.pool.query("select text_body from outbox where related_message_id = $1", [filed.messageRowId]);
    expect(ack.rows[0].text_body).toContain("“5月16日活动视频.mp4”以QQ邮箱超大附件（链接）形式发送，下载链接将于 2022年6月16日 17:20 失效");
  });

  it("reads a .docx summary report, files its title and picture count, and names the missing sections", async () => {
    // The same campaign, now also asking for the summary report with Rongchang's rules.
    const base = testCampaign();
    const summary = testCampaign({
      requirements: [
        ...base.requirements,
        {
          id: "summary-report",
          kind: "summary_report",
          title: "活动周工作总结报告",
          due: "2022-05-21 18:00",
          rules: { sections: ["基本情况", "主要做法和措施", "取得的成效", "媒体宣传情况", "存在问题及建议"], min_images: 5 },
        },
      ],
    });
    await applyTestCampaign(t.db, summary);
    const reports = join(import.meta.dirname, "fixtures/reports");
    const expected = JSON.parse(readFileSync(join(reports, "expected.json"), "utf8")).files["incomplete-summary.docx"];
    await ingestComposed(
      {
        from: "rczj@example.cn",
        to: "112812581@qq.com",
        subject: "活动周总结",
        messageId: "<summary-docx@rczj.example.cn>",
        text: "总结报告见附件",
        attachments: [{ filename: "总结.docx", content: readFileSync(join(reports, "incomplete-summary.docx")) }],
      },
      11,
      "2022-05-21T06:00:00.000Z",
    );
    const docs = await t.pool.query("select kind, parse_status, classified_by from dashboard.documents where message_id = 'summary-docx@rczj.example.cn'");
    expect(docs.rows).toEqual([{ kind: "summary_report", parse_status: "invalid", classified_by: "content:doc_title:工作总结" }]);
    const { rows } = await t.pool.query(
      "select school, filename, kind, title, activity_day::text, char_count, image_count, missing_sections from dashboard.reports where message_id = 'summary-docx@rczj.example.cn'",
    );
    expect(rows).toEqual([
      {
        school: "重庆市荣昌区职业教育中心",
        filename: "总结.docx",
        kind: "summary_report",
        title: expected.title,
        activity_day: "2022-05-21",
        char_count: expected.charCount,
        image_count: 2,
        missing_sections: ["媒体宣传情况", "存在问题及建议"],
      },
    ]);
    const findings = await t.pool.query("select filename, code from dashboard.findings where message_id = 'summary-docx@rczj.example.cn' order by code");
    expect(findings.rows).toEqual([
      { filename: "总结.docx", code: "report.missing_sections" },
      { filename: "总结.docx", code: "report.too_few_images" },
    ]);
  });

  it("files a cut-short stats form and a password-protected info form as unreadable forms, and the 回执 asks for both again", async () => {
    const regressions = join(import.meta.dirname, "fixtures/regressions");
    const filed = await ingestComposed(
      {
        from: "ym@example.cn",
        to: "112812581@qq.com",
        subject: "益民技校报送材料",
        messageId: "<unreadable-forms@ym.example.cn>",
        text: "见附件",
        attachments: [
          { filename: "情况统计表.xlsx", content: readFileSync(join(regressions, "truncated-stats.xlsx")) },
          { filename: "信息采集表.xlsx", content: readFileSync(join(regressions, "encrypted.xlsx")) },
        ],
      },
      30,
      "2022-05-13T08:00:00.000Z",
    );
    const docs = await t.pool.query(
      "select filename, kind, parse_status from dashboard.documents where message_id = 'unreadable-forms@ym.example.cn' order by filename",
    );
    expect(docs.rows).toEqual([
      { filename: "信息采集表.xlsx", kind: "info_form", parse_status: "unreadable" },
      { filename: "情况统计表.xlsx", kind: "stats_form", parse_status: "unreadable" },
    ]);
    const findings = await t.pool.query("select filename, code from dashboard.findings where message_id = 'unreadable-forms@ym.example.cn' order by filename");
    expect(findings.rows).toEqual([
      { filename: "信息采集表.xlsx", code: "file_encrypted" },
      { filename: "情况统计表.xlsx", code: "file_unreadable" },
    ]);
    const ack = await t.pool.query("select text_body from outbox where related_message_id = $1", [filed.messageRowId]);
    const text: string = ack.rows[0].text_body;
    expect(text).toContain("取消密码");
    expect(text).toMatch(/情况统计表，截止时间/u);
    expect(text).toMatch(/信息采集表，截止时间/u);
    const status = await t.pool.query(
      "select requirement, status from dashboard.school_status where school = '重庆益民技工学校' and requirement in ('info_form', 'stats_form') order by requirement",
    );
    expect(status.rows).toEqual([
      { requirement: "info_form", status: "invalid" },
      { requirement: "stats_form", status: "invalid" },
    ]);
  });

  it("fails a job for good, filing and granting nothing, when its raw mail is missing from the blob store", async () => {
    const sha = randomBytes(32).toString("hex");
    const data = {
      campaignId,
      mailboxId,
      rawKey: `sha256:${sha}`,
      rawSha256: sha,
      uidValidity: 1,
      uid: 90,
      sizeBytes: 1,
      internalDate: "2022-05-12T02:30:00.000Z",
    };
    await expect(runOnce(createIngestProcessor({ db: t.db, blobs, queues, logger }), data)).rejects.toMatchObject({ name: "UnrecoverableError" });
    expect((await t.pool.query("select count(*)::int as n from messages where raw_sha256 = $1", [sha])).rows[0].n).toBe(0);
    expect((await t.pool.query("select count(*)::int as n from budget_grants where raw_sha256 = $1", [sha])).rows[0].n).toBe(0);
  });

  it("keys the sender's budget by a From header that comes after 100 KB of other headers, and settles it with the filing", async () => {
    const filed = await ingestComposed(
      {
        from: "ym@example.cn",
        to: "112812581@qq.com",
        subject: "益民技校 情况说明",
        text: "各位老师好。",
        headers: { "X-Long-Trace": "x".repeat(100_000) },
        attachments: [{ filename: "说明.txt", content: Buffer.alloc(1000, "a") }],
      },
      91,
      "2022-05-12T03:00:00.000Z",
    );
    const { rows } = await t.pool.query(
      `select g.sender, g.used_attachment_bytes, g.used_archive_bytes, g.used_files
       from budget_grants g join messages m on m.mailbox_id = g.mailbox_id and m.raw_sha256 = g.raw_sha256 where m.id = $1`,
      [filed.messageRowId],
    );
    expect(rows).toEqual([{ sender: "ym@example.cn", used_attachment_bytes: "1000", used_archive_bytes: "0", used_files: 1 }]);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}
