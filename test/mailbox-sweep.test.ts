import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { MailboxConfig } from "@baosong/core";
import { messages, type MailReceipt } from "@baosong/db";
import { keyOf, LocalBlobStore } from "@baosong/blobs";
import { createLogger } from "@baosong/log";
import { sweepMailbox, type BatchLimits, type SweepResult } from "@baosong/mail";
import { JobQueues, jobIds } from "@baosong/queue";
import { applyTestCampaign, testCampaign } from "./support/campaign.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { dovecotMailbox, startDovecot, type Dovecot } from "./support/dovecot.ts";
import { diskFull, WatchedBlobStore } from "./support/watched-blob-store.ts";
import { dropQueues } from "./support/redis.ts";

const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const PASSWORD = "mqtvxhzkpwrnsbjd";
const logger = createLogger({ level: "silent" });

/** The real queues, counting what each successful enqueue carried; `failOn` makes one call fail. */
function watchedQueues(queues: JobQueues, failOn?: number) {
  const watched = {
    calls: 0,
    enqueued: [] as string[],
    async addBulk(...args: Parameters<JobQueues["addBulk"]>) {
      if (++watched.calls === failOn) throw new Error("Redis went away");
      await queues.addBulk(...args);
      watched.enqueued.push(...args[1].map((e) => e.jobId));
    },
  };
  return watched;
}

describe("securing a burst in batches", { timeout: 120_000 }, () => {
  let dovecot: Dovecot;
  let t: TestDatabase;
  let blobDir: string;
  let blobs: WatchedBlobStore;
  let queues: JobQueues;
  let prefix: string;
  let user: string;
  let campaignId: number;
  let mailboxId: number;
  let config: MailboxConfig;

  beforeAll(async () => {
    dovecot = await startDovecot();
  });
  afterAll(async () => {
    await dovecot?.stop();
  });

  beforeEach(async () => {
    t = await createTestDatabase();
    blobDir = await mkdtemp(join(tmpdir(), "baosong-sweep-"));
    blobs = new WatchedBlobStore(new LocalBlobStore(blobDir));
    prefix = `bs-sweep-${randomBytes(5).toString("hex")}`;
    queues = new JobQueues({ redisUrl, prefix });
    user = `burst-${randomBytes(4).toString("hex")}@test.local`;
    await dovecot.addUser(user, PASSWORD);
    const campaign = testCampaign({ mailboxes: [dovecotMailbox(dovecot, user)] });
    const applied = await applyTestCampaign(t.db, campaign);
    campaignId = applied.id;
    mailboxId = applied.mailboxIds.main!;
    config = campaign.mailboxes[0]!;
  });
  afterEach(async () => {
    await dropQueues(queues, redisUrl, prefix, ["ingest"]);
    await t.drop();
    await rm(blobDir, { recursive: true, force: true });
  });

  interface SweepOptions {
    queues?: ReturnType<typeof watchedQueues>;
    signal?: AbortSignal;
    batchLimits?: BatchLimits;
    /** Sees every download the sweep asks the server for. */
    onDownload?: (uid: string) => void;
    /** Runs before each FETCH of mail sources, as a webmail user deleting mail meanwhile would. */
    beforeSourceFetch?: () => Promise<void>;
  }

  async function sweep(o: SweepOptions = {}): Promise<SweepResult> {
    const client = await dovecot.client(user);
    const download = client.download.bind(client);
    client.download = (range, part, options) => {
      o.onDownload?.(String(range));
      return download(range, part, options);
    };
    const fetch = client.fetch.bind(client);
    client.fetch = async function* (range, query, options) {
      if (query.source) await o.beforeSourceFetch?.();
      return yield* fetch(range, query, options);
    };
    try {
      return await sweepMailbox({
        client,
        mailboxId,
        campaignId,
        config,
        db: t.db,
        blobs,
        queues: o.queues ?? queues,
        logger,
        signal: o.signal ?? new AbortController().signal,
        batchLimits: o.batchLimits,
      });
    } finally {
      await client.logout().catch(() => client.close());
    }
  }

  async function append(raws: Buffer[], folder = "INBOX"): Promise<number[]> {
    const client = await dovecot.client(user);
    try {
      if (folder !== "INBOX") await client.mailboxCreate(folder).catch(() => undefined);
      const uids: number[] = [];
      for (const raw of raws) {
        const appended = await client.append(folder, raw);
        if (!appended || appended.uid === undefined) throw new Error(`APPEND to ${folder} returned no UID`);
        uids.push(appended.uid);
      }
      return uids;
    } finally {
      await client.logout();
    }
  }

  async function receipts(): Promise<MailReceipt[]> {
    return t.db.query.mailReceipts.findMany({
      where: (r, { eq }) => eq(r.mailboxId, mailboxId),
      orderBy: (r, { asc }) => [asc(r.uidValidity), asc(r.uid)],
    });
  }

  async function lastUid(): Promise<number> {
    const row = await t.db.query.mailboxes.findFirst({ where: (m, { eq }) => eq(m.id, mailboxId) });
    return row!.lastUid;
  }

  async function ingestJobIds(): Promise<string[]> {
    const jobs = await queues.queue("ingest").getJobs(["waiting", "delayed", "active", "completed", "failed", "paused", "prioritized"]);
    return jobs.map((j) => j.id!).sort();
  }

  const jobIdOf = (raw: Buffer) => jobIds.ingest({ mailboxId, rawSha256: sha256(raw) });

  it("secures a few hundred mails of mixed sizes each exactly once, downloading only the large ones alone", async () => {
    const raws = Array.from({ length: 240 }, (_, i) => schoolMail(`案例 ${i}`, i % 40 === 7 ? 1_200_000 : (i * 97) % 20_000));
    const large = raws.flatMap((raw, i) => (raw.length > 1024 * 1024 ? [i] : []));
    expect(large).toHaveLength(6);
    const uids = await append(raws);
    const downloads: string[] = [];

    const result = await sweep({ onDownload: (uid) => downloads.push(uid) });

    expect(result).toMatchObject({ secured: 240, problems: [] });
    const found = await receipts();
    expect(found.map((r) => r.uid)).toEqual(uids);
    expect(found.map((r) => r.rawSha256)).toEqual(raws.map(sha256));
    expect(found.map((r) => r.sizeBytes)).toEqual(raws.map((r) => r.length));
    expect(found.map((r) => r.messageIdHeader)).toEqual(raws.map(messageIdOf));
    for (const [i, r] of found.entries()) expect(sha256(await blobs.read(keyOf(r.rawSha256), 0, raws[i]!.length + 1))).toBe(r.rawSha256);
    expect(downloads).toEqual(large.map((i) => String(uids[i])));
    expect(blobs.puts).toBe(240);
    expect(await ingestJobIds()).toEqual(raws.map(jobIdOf).sort());
    const job = await queues.queue("ingest").getJob(jobIdOf(raws[large[0]!]!));
    expect(job!.data).toMatchObject({
      campaignId,
      mailboxId,
      uid: uids[large[0]!],
      rawKey: keyOf(sha256(raws[large[0]!]!)),
      sizeBytes: raws[large[0]!]!.length,
    });
    expect(await lastUid()).toBe(uids.at(-1));

    expect(await sweep()).toMatchObject({ secured: 0 });
    expect(blobs.puts).toBe(240);
    expect(await ingestJobIds()).toHaveLength(240);
  });

  it("after a failed enqueue part way, the next sweep loses nothing and enqueues each mail once", async () => {
    const raws = Array.from({ length: 50 }, (_, i) => schoolMail(`稿件 ${i}`, 300));
    const uids = await append(raws);
    const batchLimits = { mails: 10, fetchBytes: 1024 * 1024, largeMailBytes: 1024 * 1024 };
    const failing = watchedQueues(queues, 2);

    await expect(sweep({ queues: failing, batchLimits })).rejects.toThrow("Redis went away");
    // The first batch is secured; the second has receipts but no jobs, so last_uid stays before it.
    expect(await lastUid()).toBe(uids[9]);
    expect(await receipts()).toHaveLength(20);
    expect(await ingestJobIds()).toEqual(raws.slice(0, 10).map(jobIdOf).sort());

    const healthy = watchedQueues(queues);
    expect(await sweep({ queues: healthy, batchLimits })).toMatchObject({ secured: 40 });
    expect(await lastUid()).toBe(uids.at(-1));
    expect((await receipts()).map((r) => r.rawSha256)).toEqual(raws.map(sha256));
    expect([...failing.enqueued, ...healthy.enqueued].sort()).toEqual(raws.map(jobIdOf).sort());
    expect(await ingestJobIds()).toEqual(raws.map(jobIdOf).sort());
  });

  it("after a failed blob write part way, records none of that batch and secures it on the next sweep", async () => {
    const raws = Array.from({ length: 30 }, (_, i) => schoolMail(`简报 ${i}`, 300));
    const uids = await append(raws);
    const batchLimits = { mails: 10, fetchBytes: 1024 * 1024, largeMailBytes: 1024 * 1024 };
    blobs.beforePut = (n) => {
      if (n === 15) throw diskFull();
    };

    await expect(sweep({ batchLimits })).rejects.toThrow("no space left on device");
    expect(await lastUid()).toBe(uids[9]);
    expect(await receipts()).toHaveLength(10);

    blobs.beforePut = () => undefined;
    expect(await sweep({ batchLimits })).toMatchObject({ secured: 20 });
    expect((await receipts()).map((r) => r.rawSha256)).toEqual(raws.map(sha256));
    expect(await ingestJobIds()).toEqual(raws.map(jobIdOf).sort());
  });

  it("stopped in the middle of a batch, records the mail already stored and the next sweep takes up after it", async () => {
    const raws = Array.from({ length: 40 }, (_, i) => schoolMail(`新闻 ${i}`, 300));
    const uids = await append(raws);
    const batchLimits = { mails: 10, fetchBytes: 1024 * 1024, largeMailBytes: 1024 * 1024 };
    const stop = new AbortController();
    blobs.beforePut = (n) => {
      if (n === 15) stop.abort();
    };
    const first = watchedQueues(queues);

    expect(await sweep({ queues: first, signal: stop.signal, batchLimits })).toMatchObject({ secured: 15 });
    expect(await lastUid()).toBe(uids[14]);
    expect((await receipts()).map((r) => r.uid)).toEqual(uids.slice(0, 15));

    blobs.beforePut = () => undefined;
    const second = watchedQueues(queues);
    expect(await sweep({ queues: second, batchLimits })).toMatchObject({ secured: 25 });
    expect(await lastUid()).toBe(uids.at(-1));
    expect([...first.enqueued, ...second.enqueued].sort()).toEqual(raws.map(jobIdOf).sort());
    expect((await receipts()).map((r) => r.rawSha256)).toEqual(raws.map(sha256));
  });

  it("resyncs a renumbered folder in batches: known mail recorded without a download, filed mail not enqueued again", async () => {
    const folder = "Submissions";
    config = { ...config, folder };
    const known = Array.from({ length: 24 }, (_, i) => schoolMail(`采集表 ${i}`, 200 + i));
    await append(known, folder);
    const batchLimits = { mails: 8, fetchBytes: 1024 * 1024, largeMailBytes: 1024 * 1024 };
    expect(await sweep({ batchLimits })).toMatchObject({ secured: 24 });
    const before = await receipts();
    // The worker filed the first half.
    for (const r of before.slice(0, 12)) await file(r);

    const client = await dovecot.client(user);
    await client.mailboxDelete(folder);
    await client.logout();
    // Same mails in another order, new mail between them.
    const fresh = Array.from({ length: 6 }, (_, i) => schoolMail(`总结 ${i}`, 500));
    const reappended = [...known].reverse().flatMap((raw, i) => (i % 4 === 0 ? [fresh[i / 4]!, raw] : [raw]));
    const uids = await append(reappended, folder);
    const putsBefore = blobs.puts;
    const resync = watchedQueues(queues);

    expect(await sweep({ queues: resync, batchLimits })).toMatchObject({ secured: 30 });
    const after = (await receipts()).filter((r) => r.uidValidity !== before[0]!.uidValidity);
    expect(after.map((r) => r.uid)).toEqual(uids);
    expect(after.map((r) => r.rawSha256)).toEqual(reappended.map(sha256));
    expect(blobs.puts - putsBefore).toBe(6);
    expect(await lastUid()).toBe(uids.at(-1));
    const unfiled = known.slice(12);
    expect(resync.enqueued.sort()).toEqual([...fresh, ...unfiled].map(jobIdOf).sort());
  });

  it("reports a mail deleted between listing and download and secures the others", async () => {
    const raws = Array.from({ length: 5 }, (_, i) => schoolMail(`方案 ${i}`, 300));
    const uids = await append(raws);
    const deleted = uids[2]!;

    const result = await sweep({
      beforeSourceFetch: async () => {
        const other = await dovecot.client(user);
        try {
          await other.mailboxOpen("INBOX");
          await other.messageDelete(String(deleted), { uid: true });
        } finally {
          await other.logout();
        }
      },
    });

    expect(result.secured).toBe(5);
    expect(result.problems).toEqual([expect.stringContaining(`UID ${deleted} (Message-ID ${messageIdOf(raws[2]!)}) was removed`)]);
    expect((await receipts()).map((r) => r.uid)).toEqual(uids.filter((u) => u !== deleted));
    expect(await ingestJobIds()).toEqual([...raws.slice(0, 2), ...raws.slice(3)].map(jobIdOf).sort());
    expect(await lastUid()).toBe(uids.at(-1));
  });

  async function file(receipt: MailReceipt): Promise<void> {
    await t.db.insert(messages).values({
      campaignId,
      mailboxId: receipt.mailboxId,
      rawSha256: receipt.rawSha256,
      rawKey: keyOf(receipt.rawSha256),
      messageId: `filed-${receipt.uid}`,
      receivedAt: receipt.internalDate,
      sizeBytes: receipt.sizeBytes,
      status: "filed",
    });
  }
});

let mailCounter = 0;

/** A school's mail with `padBytes` of base64 attachment (random, so no two mails are alike). */
function schoolMail(subject: string, padBytes: number): Buffer {
  const id = `${Date.now().toString(36)}.${++mailCounter}.${randomBytes(4).toString("hex")}@school.example.cn`;
  const head = [
    "From: =?UTF-8?B?6I2j5piM6IGM5pWZ5Lit5b+D?= <rczj@example.cn>",
    "To: 112812581@qq.com",
    `Subject: =?UTF-8?B?${Buffer.from(subject).toString("base64")}?=`,
    "Date: Mon, 16 May 2022 09:30:00 +0800",
    `Message-ID: <${id}>`,
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="b1"',
    "",
    "--b1",
    "Content-Type: text/plain; charset=UTF-8",
    "",
    "各位老师好，附上今日材料。",
    "--b1",
    'Content-Type: image/jpeg; name="IMG_2041.JPG"',
    "Content-Transfer-Encoding: base64",
    "",
  ];
  const attachment = randomBytes(Math.ceil((padBytes * 3) / 4))
    .toString("base64")
    .slice(0, padBytes)
    .replace(/.{76}/g, "$&\r\n");
  return Buffer.from([...head, attachment, "--b1--", ""].join("\r\n"));
}

function messageIdOf(raw: Buffer): string {
  return /^Message-ID: (.+)$/m.exec(raw.toString())![1]!.trim();
}

function sha256(raw: Buffer): string {
  return createHash("sha256").update(raw).digest("hex");
}
