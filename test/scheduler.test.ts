import { createReadStream, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import ExcelJS from "exceljs";
import { Job, Queue } from "bullmq";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { zonedToInstant } from "@baosong/core";
import { LocalBlobStore } from "@baosong/blobs";
import { createLogger } from "@baosong/log";
import { JobQueues, jobIds, type IngestJob } from "@baosong/queue";
import { startSender, type SenderHandle } from "@baosong/svc-sender";
import { runSchedulerOnce, startScheduler, type SchedulerDeps } from "@baosong/svc-scheduler";
import { createIngestProcessor } from "@baosong/svc-worker";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { applyTestCampaign, testCampaign } from "./support/campaign.ts";
import { startSmtpPeer, type SmtpPeer } from "./support/smtp-peer.ts";
import { dropQueues } from "./support/redis.ts";

const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const bj = (local: string) => zonedToInstant(local, "Asia/Shanghai");
const SMTP_USER = "112812581@qq.com";
const env = { BAOSONG_TEST_SMTP_CODE: "qwhzkvbnmrtplsdx" };
const centre = "重庆市荣昌区职业教育中心";
const yimin = "重庆益民技工学校";
const official = "zck@rongchang.example.gov.cn";
const slug = "sched-rongchang";

/**
 * The expected plan of the campaign below, written out by hand: 职教中心 sent its 信息采集表
 * before the run starts and its 情况统计表 on 5/16 10:00; 益民 sends nothing and has two
 * roster addresses, so each of its mails goes to both, keyed by address.
 */
const toYimin = (key: string) => [`${key}:ym@example.cn`, `${key}:ym2@example.cn`];
const expectedKeys = [
  ...toYimin(`reminder:${slug}:${yimin}:info-form:1d`),
  ...toYimin(`reminder:${slug}:${yimin}:info-form:2h`),
  ...toYimin(`overdue:${slug}:${yimin}:info-form`),
  ...["2022-05-15", "2022-05-16"].flatMap((day) => [
    `reminder:${slug}:${centre}:daily-report@${day}:daily`,
    ...toYimin(`reminder:${slug}:${yimin}:daily-report@${day}:daily`),
    `overdue:${slug}:${centre}:daily-report@${day}`,
    ...toYimin(`overdue:${slug}:${yimin}:daily-report@${day}`),
  ]),
  `reminder:${slug}:${centre}:stats-form:1d`,
  ...toYimin(`reminder:${slug}:${yimin}:stats-form:1d`),
  ...toYimin(`overdue:${slug}:${yimin}:stats-form`),
  `digest:${slug}:2022-05-15`,
  `digest:${slug}:final`,
].sort();

describe("the scheduler", () => {
  let t: TestDatabase;
  let dir: string;
  let blobs: LocalBlobStore;
  let peer: SmtpPeer;
  let queues: JobQueues;
  let otherQueues: JobQueues;
  let sender: SenderHandle;
  let campaignId: number;
  let mailboxId: number;
  const prefix = `bst-sched-${randomBytes(4).toString("hex")}`;
  const logger = createLogger({ level: "silent" });
  let deps: SchedulerDeps;
  /** A second scheduler host: its own Redis connection, the same database. */
  let otherDeps: SchedulerDeps;

  beforeAll(async () => {
    t = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), "baosong-scheduler-"));
    blobs = new LocalBlobStore(dir);
    peer = await startSmtpPeer();
    queues = new JobQueues({ redisUrl, prefix });
    otherQueues = new JobQueues({ redisUrl, prefix });
    const campaign = testCampaign({
      slug,
      period: { kind: "week", start: "2022-05-15", end: "2022-05-16" },
      smtp: {
        host: peer.host,
        port: peer.port,
        secure: false,
        user: SMTP_USER,
        password_env: "BAOSONG_TEST_SMTP_CODE",
        from_name: "荣昌区教委职成科",
        per_minute: 600,
      },
      officials: [{ name: "区教委职成科", email: official }],
      digest: { at: "20:30" },
      requirements: [
        { id: "info-form", kind: "info_form", title: "信息采集表", due: "2022-05-14 18:00", reminders: ["1d", "2h"] },
        { id: "daily-report", kind: "daily_report", title: "每日信息", daily: { from: "2022-05-15", to: "2022-05-16", by: "20:00", remind_at: "16:00" } },
        {
          id: "stats-form",
          kind: "stats_form",
          title: "情况统计表",
          due: "2022-05-16 18:00",
          reminders: ["1d"],
          rules: { media_levels: ["市级及以上", "区县级"] },
        },
      ],
      schools: [
        { name: centre, aliases: ["荣昌职教中心"], senders: ["rczj@example.cn"] },
        { name: yimin, aliases: ["益民技校"], senders: ["ym@example.cn", "ym2@example.cn"] },
      ],
    });
    const applied = await applyTestCampaign(t.db, campaign);
    campaignId = applied.id;
    mailboxId = applied.mailboxIds.main!;
    deps = { db: t.db, blobs, queues, logger };
    otherDeps = { db: t.db, blobs, queues: otherQueues, logger };
    sender = await startSender({ db: t.db, redisUrl, prefix, blobs, logger, env, sweepIntervalMs: 500 });
  });
  afterAll(async () => {
    await sender?.stop();
    await otherQueues.close();
    await dropQueues(queues, redisUrl, prefix, ["ingest", "send", "schedule"]);
    await peer?.close();
    await t?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  async function file(raw: Readable, uid: number, receivedAt: Date): Promise<void> {
    const stored = await blobs.put(raw);
    const data: IngestJob = {
      campaignId,
      mailboxId,
      rawKey: stored.key,
      rawSha256: stored.sha256,
      uidValidity: 1,
      uid,
      sizeBytes: stored.size,
      internalDate: receivedAt.toISOString(),
    };
    const queue = new Queue("ingest", { connection: { url: redisUrl }, prefix });
    try {
      await createIngestProcessor({ db: t.db, blobs, queues, logger })(new Job(queue, "mail.ingest", data, { jobId: jobIds.ingest(data) }));
    } finally {
      await queue.close();
    }
  }

  async function statsFormMail(): Promise<Readable> {
    const raw = await new MailComposer({
      from: "rczj@example.cn",
      to: SMTP_USER,
      subject: "荣昌职教中心 情况统计表",
      messageId: "<stats-2022@rczj.example.cn>",
      text: "见附件",
      attachments: [{ filename: "情况统计表.xlsx", content: readFileSync(join(import.meta.dirname, "fixtures/forms/rongchang-stats.xlsx")) }],
    })
      .compile()
      .build();
    return Readable.from([raw]);
  }

  const plannedKeys = async () =>
    (await t.pool.query("select dedupe_key from outbox where kind <> 'ack' order by dedupe_key")).rows.map((r) => r.dedupe_key as string);

  it("plans each reminder, overdue notice and digest once, across the campaign, with two schedulers at once", async () => {
    await file(createReadStream(join(import.meta.dirname, "fixtures/mail/school-info-form.eml")), 1, bj("2022-05-12 10:30"));
    const statsAt = bj("2022-05-16 10:00");
    let statsFiled = false;
    const created: string[] = [];
    for (let at = bj("2022-05-13 18:00"); at <= bj("2022-05-17 18:00"); at = new Date(at.getTime() + 30 * 60_000)) {
      if (!statsFiled && at >= statsAt) {
        await file(await statsFormMail(), 2, statsAt);
        statsFiled = true;
      }
      const [a, b] = await Promise.all([runSchedulerOnce(deps, at), runSchedulerOnce(otherDeps, at)]);
      created.push(...[...a, ...b].flatMap((r) => r.created));
    }
    expect(created.sort()).toEqual(expectedKeys);
    expect(await plannedKeys()).toEqual(expectedKeys);

    const {
      rows: [state],
    } = await t.pool.query("select last_run from scheduler_runs where campaign_id = $1", [campaignId]);
    expect(state.last_run).toEqual(bj("2022-05-17 18:00"));
    const { rows: reminder } = await t.pool.query("select to_address, subject, school_id is not null as has_school from outbox where dedupe_key = $1", [
      `reminder:${slug}:${centre}:stats-form:1d`,
    ]);
    expect(reminder).toEqual([{ to_address: "rczj@example.cn", subject: expect.stringContaining("情况统计表"), has_school: true }]);
  });

  it("creates nothing twice when the same window is planned again", async () => {
    await t.pool.query("update scheduler_runs set last_run = $1 where campaign_id = $2", [bj("2022-05-15 12:00"), campaignId]);
    const again: string[] = [];
    for (let at = bj("2022-05-15 12:30"); at <= bj("2022-05-17 18:00"); at = new Date(at.getTime() + 60 * 60_000)) {
      again.push(...(await runSchedulerOnce(deps, at)).flatMap((r) => r.created));
    }
    expect(again).toEqual([]);
    expect(await plannedKeys()).toEqual(expectedKeys);
  });

  it("sends every planned mail, the digest with a workbook of each school's figures", async () => {
    await until(async () => {
      const { rows } = await t.pool.query("select count(*)::int as n from outbox where status in ('queued', 'sending')");
      return rows[0].n === 0;
    });
    const { rows: statuses } = await t.pool.query("select status, count(*)::int as n from outbox where kind <> 'ack' group by status");
    expect(statuses).toEqual([{ status: "sent", n: expectedKeys.length }]);

    // What each school and official actually received, read back from the SMTP peer: the
    // planned mails, each exactly once.
    const planned = await t.pool.query("select to_address, subject, our_message_id from outbox where kind <> 'ack' order by our_message_id");
    const received = peer.received
      .filter((m) => !m.parsed.subject?.startsWith("【回执】"))
      .map((m) => ({ to_address: m.envelope.to.join(","), subject: m.parsed.subject, our_message_id: m.parsed.messageId?.replace(/^<|>$/g, "") }))
      .sort((a, b) => (a.our_message_id! < b.our_message_id! ? -1 : 1));
    expect(received).toEqual(planned.rows);

    const digests = peer.received.filter((m) => m.parsed.subject?.includes("汇总") || m.parsed.subject?.includes("日报摘要"));
    expect(digests.map((m) => m.envelope.to)).toEqual([[official], [official]]);
    const final = digests.find((m) => m.parsed.subject?.startsWith("【最终汇总】"))!;
    expect(final.parsed.attachments.map((a) => [a.filename, a.contentType])).toEqual([
      ["日报摘要-2022-05-16.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
    ]);
    expect(final.parsed.text).toContain("日报摘要-2022-05-16.xlsx");

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(final.parsed.attachments[0]!.content as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet("情况统计表")!;
    const rowOf = (name: string) => {
      let found: ExcelJS.Row | undefined;
      sheet.eachRow((row) => {
        if (row.getCell(1).value === name) found = row;
      });
      return found!;
    };
    const centreRow = rowOf(centre).values as unknown[];
    // 教师数, 学生数, … as the school's 情况统计表 gave them; 益民 sent none.
    expect(centreRow.slice(3, 11)).toEqual([156, 2380, expect.anything(), 12, 2600, 8, 5, 17]);
    expect((rowOf(yimin).values as unknown[]).slice(3, 5).filter((v) => v != null && v !== "")).toEqual([]);
  });

  it("runs the plan as a repeating BullMQ job", async () => {
    const now = bj("2022-05-17 19:00");
    const handle = await startScheduler({ ...deps, redisUrl, prefix, now: () => now, everyMs: 200 });
    try {
      await until(async () => {
        const { rows } = await t.pool.query("select last_run from scheduler_runs where campaign_id = $1", [campaignId]);
        return rows[0]?.last_run.getTime() === now.getTime();
      });
      expect((await handle.queue.getJobSchedulers()).map((s) => s.key)).toEqual(["outgoing.plan"]);
    } finally {
      await handle.stop();
    }
    expect(await plannedKeys()).toEqual(expectedKeys);
  });
});

async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}
