import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalBlobStore } from "@baosong/blobs";
import { createLogger } from "@baosong/log";
import { JobQueues, jobIds, type IngestJob } from "@baosong/queue";
import { startWorker, type WorkerHandle } from "@baosong/svc-worker";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { applyTestCampaign } from "./support/campaign.ts";
import { storeIngestJob } from "./support/filing.ts";

const fixture = (path: string) => readFileSync(join(import.meta.dirname, "fixtures", path));
const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const MAILS = 12;

/** Two worker processes' worth of workers on one queue: what a second `baosong start --role worker` adds. */
describe("workers side by side on one queue", () => {
  let t: TestDatabase;
  let dir: string;
  let blobs: LocalBlobStore;
  let queues: JobQueues;
  let jobs: IngestJob[];
  const prefix = `bst-${randomBytes(4).toString("hex")}`;
  const logger = createLogger({ level: "silent" });

  beforeAll(async () => {
    t = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), "baosong-scale-"));
    blobs = new LocalBlobStore(dir);
    queues = new JobQueues({ redisUrl, prefix });
    const applied = await applyTestCampaign(t.db);
    jobs = [];
    for (let i = 0; i < MAILS; i++) {
      const withForm = i % 2 === 0;
      const raw = await new MailComposer({
        from: i % 3 === 0 ? "ym@example.cn" : "rczj@example.cn",
        to: "112812581@qq.com",
        subject: withForm ? `情况统计表 ${i}` : `活动报道 ${i}`,
        text: "请查收。",
        messageId: `<burst-${i}@example.cn>`,
        attachments: [
          withForm
            ? { filename: "情况统计表.xlsx", content: fixture("forms/rongchang-stats.xlsx") }
            : { filename: "活动报道.docx", content: fixture("reports/rongchang-summary.docx") },
          // Every photo different bytes, one of them twice: the store keeps that one once.
          { filename: `IMG_${i}.JPG`, content: Buffer.concat([fixture("media/photo-exif.jpg"), Buffer.from(i % 4 === 0 ? "same" : `${i}`)]) },
        ],
      })
        .compile()
        .build();
      // An hour apart each, so the hourly 回执 cap holds none back.
      const internalDate = new Date(Date.UTC(2022, 4, 15, i)).toISOString();
      jobs.push(await storeIngestJob(blobs, raw, { campaignId: applied.id, mailboxId: applied.mailboxIds.main!, uid: i + 1, internalDate }));
    }
  });
  afterAll(async () => {
    for (const name of ["ingest", "send"]) await queues.queue(name).obliterate({ force: true });
    await queues.close();
    await t?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it("files a burst once per mail, each with its forms, reports and 回执, whichever worker took it", async () => {
    const workers: WorkerHandle[] = [1, 2].map(() => startWorker({ db: t.db, blobs, queues, logger, redisUrl, prefix, concurrency: 4, parserThreads: 2 }));
    try {
      // Each job enqueued twice, as a poller and the ingest sweep might: the job id drops the repeat.
      for (const data of [...jobs, ...jobs]) await queues.add("mail.ingest", data, jobIds.ingest(data));
      await waitFor(async () => (await t.pool.query("select count(*)::int as n from messages")).rows[0].n === MAILS);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
    const messages = await t.pool.query("select message_id, status, school from dashboard.messages order by message_id");
    expect(messages.rows).toHaveLength(MAILS);
    expect(new Set(messages.rows.map((m) => m.status))).toEqual(new Set(["filed"]));
    const docs = await t.pool.query("select kind, parse_status, count(*)::int as n from dashboard.documents group by 1, 2 order by 1, 2");
    expect(docs.rows).toEqual([
      { kind: "media_photo", parse_status: "parsed", n: MAILS },
      { kind: "stats_form", parse_status: "parsed", n: MAILS / 2 },
      { kind: "summary_report", parse_status: "parsed", n: MAILS / 2 },
    ]);
    expect((await t.pool.query("select count(distinct document_id)::int as n from stats_forms")).rows[0].n).toBe(MAILS / 2);
    expect((await t.pool.query("select count(*)::int as n from reports")).rows[0].n).toBe(MAILS / 2);
    const acks = await t.pool.query(
      "select status, count(distinct related_message_id)::int as mails, count(*)::int as n from outbox where kind = 'ack' group by 1",
    );
    expect(acks.rows).toEqual([{ status: "queued", mails: MAILS, n: MAILS }]);
    expect((await queues.queue("send").getJobCounts("waiting")).waiting).toBe(MAILS);
  });

  it("unpacks the archives of a school's mails taken at once, none refused for the others' reservations", async () => {
    // Four mails of one school in flight together, each reserving the per-mail 2 GiB of
    // archive bytes against the school's 6 GiB: the last one used to be granted nothing.
    const zipped = [];
    for (let i = 0; i < 4; i++) {
      const raw = await new MailComposer({
        from: "rczj@example.cn",
        to: "112812581@qq.com",
        subject: `活动材料 ${i}`,
        text: "材料见压缩包。",
        messageId: `<zip-${i}@example.cn>`,
        attachments: [{ filename: `材料${i}.zip`, content: fixture("archives/macos-utf8.zip") }],
      })
        .compile()
        .build();
      zipped.push(
        await storeIngestJob(blobs, raw, {
          campaignId: jobs[0]!.campaignId,
          mailboxId: jobs[0]!.mailboxId,
          uid: 100 + i,
          internalDate: "2022-05-16T03:00:00.000Z",
        }),
      );
    }
    const worker = startWorker({ db: t.db, blobs, queues, logger, redisUrl, prefix, concurrency: 4, parserThreads: 1 });
    try {
      await queues.addBulk(
        "mail.ingest",
        zipped.map((data) => ({ data, jobId: jobIds.ingest(data) })),
      );
      await waitFor(async () => (await t.pool.query("select count(*)::int as n from messages where subject like '活动材料%'")).rows[0].n === 4);
    } finally {
      await worker.stop();
    }
    const members = await t.pool.query(
      "select count(*)::int as n from documents d join messages m on m.id = d.message_id where m.subject like '活动材料%' and d.origin = 'archive'",
    );
    expect(members.rows[0].n).toBe(4);
    const refused = await t.pool.query(
      "select code from findings f join messages m on m.id = f.message_id where m.subject like '活动材料%' and f.code like '%budget%'",
    );
    expect(refused.rows).toEqual([]);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}
