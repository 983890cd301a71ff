/**
 * How fast one poller secures a deadline burst: APPENDs mails to a private Dovecot, then times
 * `sweepMailbox` (securing only: blobs, receipts, jobs, last_uid) over them, repeated. Prints
 * mails/s, CPU ms per mail of this process and peak RSS; asserts nothing.
 *
 *   pnpm exec tsx scripts/bench-sweep.ts                # 1,000 small mails, 3 runs
 *   BENCH_MAILS=300 BENCH_LARGE=20 BENCH_RUNS=5 pnpm exec tsx scripts/bench-sweep.ts
 *
 * BENCH_LARGE of the mails carry a BENCH_LARGE_MB (default 2) MB attachment, above the poller's
 * large-mail threshold.
 * Then BENCH_LATENCY mails (default 30) are APPENDed one every BENCH_GAP_MS (default 1000) to a
 * running poller: the time from APPEND to the ingest job in Redis, p50 and p95.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { ImapFlow } from "imapflow";
import { LocalBlobStore } from "@baosong/blobs";
import { applyCampaign, mailboxes, mailReceipts } from "@baosong/db";
import { createLogger } from "@baosong/log";
import { sweepMailbox } from "@baosong/mail";
import { JobQueues } from "@baosong/queue";
import { startPollers } from "@baosong/svc-poller";
import { eq } from "drizzle-orm";
import { applyTestCampaign, testCampaign } from "../test/support/campaign.ts";
import { createTestDatabase } from "../test/support/database.ts";
import { dovecotMailbox, startDovecot } from "../test/support/dovecot.ts";
import { dropQueues } from "../test/support/redis.ts";

const MAILS = Number(process.env.BENCH_MAILS ?? 1000);
const LARGE = Number(process.env.BENCH_LARGE ?? 0);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const LARGE_MB = Number(process.env.BENCH_LARGE_MB ?? 2);
const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const PASSWORD = "benchpassword";

function smallMail(i: number, attachmentBytes = 0): Buffer {
  const lines = [
    "From: =?UTF-8?B?6I2j5piM6IGM5pWZ5Lit5b+D?= <rczj@example.cn>",
    "To: 112812581@qq.com",
    `Subject: =?UTF-8?B?${Buffer.from(`案例 第${i}篇`).toString("base64")}?=`,
    "Date: Mon, 16 May 2022 09:30:00 +0800",
    `Message-ID: <bench.${i}.${randomBytes(4).toString("hex")}@school.example.cn>`,
    "MIME-Version: 1.0",
  ];
  const text = Buffer.from(`各位老师好，附上今日材料（第${i}封）。\n`.repeat(20)).toString("base64");
  if (!attachmentBytes)
    return Buffer.from([...lines, "Content-Type: text/plain; charset=UTF-8", "Content-Transfer-Encoding: base64", "", text, ""].join("\r\n"));
  const attachment = randomBytes(attachmentBytes).toString("base64").replace(/.{76}/g, "$&\r\n");
  return Buffer.from(
    [
      ...lines,
      'Content-Type: multipart/mixed; boundary="b1"',
      "",
      "--b1",
      "Content-Type: text/plain; charset=UTF-8",
      "Content-Transfer-Encoding: base64",
      "",
      text,
      "--b1",
      'Content-Type: image/jpeg; name="IMG_2041.JPG"',
      "Content-Transfer-Encoding: base64",
      "",
      attachment,
      "--b1--",
      "",
    ].join("\r\n"),
  );
}

async function appendAll(client: ImapFlow): Promise<void> {
  const largeEvery = LARGE ? Math.floor(MAILS / LARGE) : 0;
  for (let i = 0; i < MAILS; i++) {
    const large = largeEvery > 0 && i % largeEvery === largeEvery - 1;
    await client.append("INBOX", smallMail(i, large ? LARGE_MB * 1024 * 1024 : 0));
  }
}

/** The bare work in the same run: one FETCH of every source, each written to the blob store (none of ours). */
async function ceiling(user: string, run: number): Promise<void> {
  const blobDir = await mkdtemp(join(tmpdir(), "bench-sweep-"));
  const blobs = new LocalBlobStore(blobDir);
  const client = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user, pass: PASSWORD }, logger: false });
  await client.connect();
  const lock = await client.getMailboxLock("INBOX");
  const cpu = process.cpuUsage();
  const started = performance.now();
  let count = 0;
  const writes: Promise<unknown>[] = [];
  for await (const m of client.fetch("1:*", { uid: true, source: true }, { uid: true })) {
    if (m.source) writes.push(blobs.put(Readable.from([m.source])));
    count++;
  }
  await Promise.all(writes);
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  lock.release();
  await client.logout();
  await rm(blobDir, { recursive: true, force: true });
  console.log(
    `ceiling ${run}: FETCH + blob write of ${count} in ${wallMs.toFixed(0)} ms = ${((count / wallMs) * 1000).toFixed(1)} mails/s; CPU ${(cpuMs / count).toFixed(2)} ms/mail`,
  );
}

/** APPEND → ingest job enqueued, through a running poller that hears new mail by IDLE. */
async function latency(): Promise<void> {
  const count = Number(process.env.BENCH_LATENCY ?? 30);
  const gapMs = Number(process.env.BENCH_GAP_MS ?? 1000);
  if (!count) return;
  const latencyUser = `latency-${randomBytes(4).toString("hex")}@test.local`;
  await dovecot.addUser(latencyUser, PASSWORD);
  const c = testCampaign({
    slug: "bench-latency",
    mailboxes: [
      {
        id: "main",
        address: "112812581@qq.com",
        imap: { host: dovecot.host, port: dovecot.port, secure: false, user: latencyUser, password_env: "BENCH_IMAP_PASSWORD" },
        poll_interval_seconds: 3600,
      },
    ],
  });
  await applyCampaign(t.db, c, null);
  const blobDir = await mkdtemp(join(tmpdir(), "bench-sweep-"));
  const prefix = `bench-${randomBytes(4).toString("hex")}`;
  const queues = new JobQueues({ redisUrl, prefix });
  const pollers = await startPollers({
    db: t.db,
    blobs: new LocalBlobStore(blobDir),
    queues,
    logger,
    redisUrl,
    prefix,
    env: { BENCH_IMAP_PASSWORD: PASSWORD },
  });
  const appender = await dovecot.client(latencyUser);
  const ingest = queues.queue("ingest");
  const waits: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const raw = smallMail(100_000 + i);
      const sent = performance.now();
      await appender.append("INBOX", raw);
      while ((await ingest.count()) <= i) await new Promise((r) => setTimeout(r, 5));
      waits.push(performance.now() - sent);
      await new Promise((r) => setTimeout(r, gapMs));
    }
  } finally {
    await appender.logout();
    await pollers.stop();
    await ingest.obliterate({ force: true });
    await queues.close();
    await rm(blobDir, { recursive: true, force: true });
  }
  const sorted = waits.sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(0);
  console.log(`latency: APPEND → ingest job, ${count} mails ${gapMs} ms apart: p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${at(1)} ms`);
}

const dovecot = await startDovecot();
const t = await createTestDatabase();
const user = `bench-${randomBytes(4).toString("hex")}@test.local`;
const logger = createLogger({ level: "warn", name: "bench-sweep" });
try {
  await dovecot.addUser(user, PASSWORD);
  const c = testCampaign({ mailboxes: [dovecotMailbox(dovecot, user, "BENCH_IMAP_PASSWORD")] });
  const applied = await applyTestCampaign(t.db, c);
  const mailboxId = applied.mailboxIds.main!;
  const config = c.mailboxes[0]!;
  const appender = await dovecot.client(user);
  const appendStart = Date.now();
  await appendAll(appender);
  await appender.logout();
  console.log(`appended ${MAILS} mails (${LARGE} large) in ${Date.now() - appendStart} ms`);

  for (let run = 1; run <= RUNS; run++) {
    await t.db.delete(mailReceipts);
    await t.db.update(mailboxes).set({ uidValidity: null, lastUid: 0 }).where(eq(mailboxes.id, mailboxId));
    const blobDir = await mkdtemp(join(tmpdir(), "bench-sweep-"));
    const prefix = `bench-${randomBytes(4).toString("hex")}`;
    const queues = new JobQueues({ redisUrl, prefix });
    const client = new ImapFlow({
      host: dovecot.host,
      port: dovecot.port,
      secure: false,
      auth: { user, pass: PASSWORD },
      logger: false,
      autoIdleDelay: 300,
    });
    await client.connect();
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 20);
    const cpu = process.cpuUsage();
    const started = performance.now();
    const result = await sweepMailbox({
      client,
      mailboxId,
      campaignId: applied.id,
      config,
      db: t.db,
      blobs: new LocalBlobStore(blobDir),
      queues,
      logger,
      signal: new AbortController().signal,
    });
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    clearInterval(sampler);
    const cpuMs = (used.user + used.system) / 1000;
    const jobs = await queues.queue("ingest").count();
    console.log(
      `run ${run}: secured ${result.secured} (${jobs} jobs) in ${wallMs.toFixed(0)} ms = ${((result.secured / wallMs) * 1000).toFixed(1)} mails/s; ` +
        `CPU ${cpuMs.toFixed(0)} ms = ${(cpuMs / result.secured).toFixed(2)} ms/mail; peak RSS ${(peakRss / 1024 / 1024).toFixed(0)} MB`,
    );
    await client.logout();
    await dropQueues(queues, redisUrl, prefix, ["ingest"]);
    await rm(blobDir, { recursive: true, force: true });
  }
  for (let run = 1; run <= RUNS; run++) await ceiling(user, run);
  await latency();
} finally {
  await t.drop();
  await dovecot.stop();
}
