import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { text } from "node:stream/consumers";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { MailboxConfig } from "@baosong/core";
import { messages, type MailReceipt } from "@baosong/db";
import { keyOf, LocalBlobStore } from "@baosong/blobs";
import { createLogger, type Logger } from "@baosong/log";
import { pollerLockKey } from "@baosong/mail";
import { JobQueues, jobIds, redisConnection } from "@baosong/queue";
import { startPollers, type PollersHandle } from "../services/poller/src/index.ts";
import { testCampaign, applyTestCampaign } from "./support/campaign.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { dovecotMailbox, startDovecot, type Dovecot } from "./support/dovecot.ts";
import { diskFull, WatchedBlobStore } from "./support/watched-blob-store.ts";
import { dropQueues } from "./support/redis.ts";

const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
/** A 16-letter 授权码 as QQ issues them; it must never reach a log line. */
const PASSWORD = "mqtvxhzkpwrnsbjd";
const env = { TEST_IMAP_PASSWORD: PASSWORD };
const tuning = {
  lock: { ttlMs: 3_000, renewEveryMs: 1_000, retryEveryMs: 250 },
  source: { backoff: { baseMs: 200, maxMs: 2_000 }, goodSessionMs: 500, idleAfterMs: 300 },
};

describe("poller", { timeout: 90_000 }, () => {
  let dovecot: Dovecot;
  let t: TestDatabase;
  let blobDir: string;
  let blobs: WatchedBlobStore;
  let prefix: string;
  let queues: JobQueues;
  let running: PollersHandle[];
  let logLines: string[];
  let user: string;

  beforeAll(async () => {
    dovecot = await startDovecot();
  });
  afterAll(async () => {
    await dovecot?.stop();
  });

  beforeEach(async () => {
    t = await createTestDatabase();
    blobDir = await mkdtemp(join(tmpdir(), "baosong-poller-"));
    blobs = new WatchedBlobStore(new LocalBlobStore(blobDir));
    prefix = `bs-test-${randomBytes(5).toString("hex")}`;
    queues = new JobQueues({ redisUrl, prefix });
    running = [];
    logLines = [];
    user = `box-${randomBytes(4).toString("hex")}@test.local`;
    await dovecot.addUser(user, PASSWORD);
  });
  afterEach(async () => {
    for (const handle of running) await handle.stop();
    await dropQueues(queues, redisUrl, prefix, ["ingest"]);
    await t.drop();
    await rm(blobDir, { recursive: true, force: true });
    // Credentials never appear in logs (SPEC §8).
    expect(logLines.join("\n")).not.toContain(PASSWORD);
  });

  function capture(name: string): { logger: Logger; lines: string[] } {
    const lines: string[] = [];
    const logger = createLogger({
      level: "debug",
      name,
      destination: {
        write: (line: string) => {
          lines.push(line);
          logLines.push(line);
        },
      },
    });
    return { logger, lines };
  }

  async function campaign(mailbox: Partial<MailboxConfig> = {}) {
    const c = testCampaign({
      mailboxes: [{ ...dovecotMailbox(dovecot, user), poll_interval_seconds: 5, ...mailbox }],
    });
    const applied = await applyTestCampaign(t.db, c);
    return { campaignId: applied.id, mailboxId: applied.mailboxIds.main! };
  }

  async function start(logger = capture("poller").logger): Promise<PollersHandle> {
    const handle = await startPollers({ db: t.db, blobs, queues, logger, redisUrl, prefix, env, tuning });
    running.push(handle);
    return handle;
  }

  async function stop(handle: PollersHandle): Promise<void> {
    running = running.filter((h) => h !== handle);
    await handle.stop();
  }

  async function receipts(mailboxId: number): Promise<MailReceipt[]> {
    return t.db.query.mailReceipts.findMany({
      where: (r, { eq }) => eq(r.mailboxId, mailboxId),
      orderBy: (r, { asc }) => [asc(r.uidValidity), asc(r.uid)],
    });
  }

  async function mailboxRow(mailboxId: number) {
    const row = await t.db.query.mailboxes.findFirst({ where: (m, { eq }) => eq(m.id, mailboxId) });
    return row!;
  }

  async function ingestJobs() {
    return queues.queue("ingest").getJobs(["waiting", "delayed", "active", "completed", "failed", "paused", "prioritized"]);
  }

  /** What the worker does when it files a mail, as far as the poller can see. */
  async function file(campaignId: number, receipt: MailReceipt): Promise<void> {
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

  /**
   * Waits until `count` mails of the current UIDVALIDITY are secured: last_uid moves only
   * after the blob, the receipt and the job, so it is what to wait for.
   */
  async function securedCount(mailboxId: number, count: number, also: (row: Awaited<ReturnType<typeof mailboxRow>>) => boolean = () => true) {
    await waitFor(async () => {
      const row = await mailboxRow(mailboxId);
      const current = (await receipts(mailboxId)).filter((r) => r.uidValidity === row.uidValidity);
      return also(row) && current.length === count && row.lastUid === current.at(-1)?.uid;
    }, `${count} mails secured`);
  }

  async function securedMail(mailboxId: number, raw: Buffer): Promise<void> {
    await waitFor(
      async () => {
        const receipt = (await receipts(mailboxId)).find((r) => r.rawSha256 === sha256(raw));
        return receipt !== undefined && (await mailboxRow(mailboxId)).lastUid >= receipt.uid;
      },
      `the mail ${messageIdOf(raw)} secured`,
    );
  }

  /** Waits until the poller has swept again after `since`. */
  async function sweptSince(mailboxId: number, since: Date): Promise<void> {
    await waitFor(async () => ((await mailboxRow(mailboxId)).heartbeatAt?.getTime() ?? 0) > since.getTime(), "a new heartbeat");
  }

  async function folderMail(folder: string): Promise<{ uid: number; flags: string[]; messageId: string | undefined }[]> {
    const client = await dovecot.client(user);
    try {
      const box = await client.mailboxOpen(folder, { readOnly: true });
      if (!box.exists) return [];
      const found = [];
      for await (const m of client.fetch("1:*", { uid: true, flags: true, envelope: true })) {
        found.push({ uid: m.uid, flags: [...(m.flags ?? [])], messageId: m.envelope?.messageId });
      }
      return found;
    } finally {
      await client.logout().catch(() => client.close());
    }
  }

  it("secures new mail as receipts, blobs with its SHA-256 and one ingest job each, and hears new mail by IDLE", async () => {
    // One hour between polls: mail that arrives while it runs can only be noticed by IDLE.
    const { campaignId, mailboxId } = await campaign({ poll_interval_seconds: 3600 });
    const raws = [schoolMail("荣昌职教中心 信息采集表"), schoolMail("益民技校 案例"), schoolMail("稿件 第一天")];
    const uids: number[] = [];
    for (const raw of raws) uids.push(await dovecot.append(user, "INBOX", raw));
    await start();

    await securedCount(mailboxId, 3);
    const found = await receipts(mailboxId);
    expect(found.map((r) => r.uid)).toEqual(uids);
    expect(found.map((r) => r.rawSha256)).toEqual(raws.map(sha256));
    for (const [i, r] of found.entries()) {
      expect(await text(blobs.open(keyOf(r.rawSha256)))).toBe(raws[i]!.toString());
      expect(r.sizeBytes).toBe(raws[i]!.length);
      expect(r.messageIdHeader).toBe(messageIdOf(raws[i]!));
      expect(r.markedAt).toBeNull();
    }
    const jobs = await ingestJobs();
    expect(jobs.map((j) => j.id).sort()).toEqual(raws.map((raw) => jobIds.ingest({ mailboxId, rawSha256: sha256(raw) })).sort());
    const first = jobs.find((j) => j.data.uid === uids[0])!;
    expect(first.name).toBe("mail.ingest");
    expect(first.data).toMatchObject({
      campaignId,
      mailboxId,
      rawKey: keyOf(sha256(raws[0]!)),
      uidValidity: found[0]!.uidValidity,
      sizeBytes: raws[0]!.length,
    });

    const row = await mailboxRow(mailboxId);
    expect(row).toMatchObject({ uidValidity: found[0]!.uidValidity, lastUid: uids[2], lastError: null });
    expect(row.heartbeatAt).toBeInstanceOf(Date);

    const late = schoolMail("第二天 新闻稿");
    const lateUid = await dovecot.append(user, "INBOX", late);
    await securedMail(mailboxId, late);
    expect((await receipts(mailboxId)).at(-1)!.uid).toBe(lateUid);
    expect((await receipts(mailboxId)).at(-1)!.rawSha256).toBe(sha256(late));
    expect(await ingestJobs()).toHaveLength(4);
  });

  it("after a restart enqueues nothing twice, and secures what came while it was stopped", async () => {
    const { mailboxId } = await campaign();
    await dovecot.append(user, "INBOX", schoolMail("一"));
    await dovecot.append(user, "INBOX", schoolMail("二"));
    const first = await start();
    await securedCount(mailboxId, 2);
    await stop(first);

    const restartedAt = new Date();
    const second = await start();
    await sweptSince(mailboxId, restartedAt);
    expect(await ingestJobs()).toHaveLength(2);
    expect(await receipts(mailboxId)).toHaveLength(2);
    await stop(second);

    const whileStopped = [schoolMail("三"), schoolMail("四"), schoolMail("五")];
    for (const raw of whileStopped) await dovecot.append(user, "INBOX", raw);
    await start();
    await securedCount(mailboxId, 5);
    expect((await receipts(mailboxId)).slice(2).map((r) => r.rawSha256)).toEqual(whileStopped.map(sha256));
    const jobs = await ingestJobs();
    expect(jobs).toHaveLength(5);
    expect(new Set(jobs.map((j) => j.data.uid)).size).toBe(5);
    expect(blobs.puts).toBe(5);
  });

  it("survives a kicked connection and a Dovecot restart, and secures mail that came meanwhile", async () => {
    const { mailboxId } = await campaign();
    await dovecot.append(user, "INBOX", schoolMail("before"));
    await start();
    await securedCount(mailboxId, 1);

    await dovecot.kick(user);
    const afterKick = schoolMail("after the kick");
    await dovecot.append(user, "INBOX", afterKick);
    await securedMail(mailboxId, afterKick);

    await dovecot.restart();
    const afterRestart = schoolMail("after the restart");
    await dovecot.append(user, "INBOX", afterRestart);
    await securedMail(mailboxId, afterRestart);

    expect(await ingestJobs()).toHaveLength(3);
    expect(logLines.some((l) => l.includes('"mailbox error"'))).toBe(true);
    // A good sweep after the reconnect clears the error the dashboard showed.
    await waitFor(async () => (await mailboxRow(mailboxId)).lastError === null, "the error cleared");
  });

  it("retries a mail it could not store on the next sweep, and secures none after it first", async () => {
    const { mailboxId } = await campaign();
    const raws = [schoolMail("first, fails once"), schoolMail("second")];
    for (const raw of raws) await dovecot.append(user, "INBOX", raw);
    blobs.beforePut = () => {
      throw diskFull();
    };
    await start();

    await waitFor(async () => (await mailboxRow(mailboxId)).lastError !== null, "the error recorded");
    const failed = await mailboxRow(mailboxId);
    expect(failed.lastError).toContain("no space left on device");
    expect(failed.lastUid).toBe(0);
    expect(await receipts(mailboxId)).toHaveLength(0);
    expect(await ingestJobs()).toHaveLength(0);

    blobs.beforePut = () => undefined;
    await securedCount(mailboxId, 2);
    expect((await receipts(mailboxId)).map((r) => r.rawSha256)).toEqual(raws.map(sha256));
    expect(await ingestJobs()).toHaveLength(2);
    await waitFor(async () => (await mailboxRow(mailboxId)).lastError === null, "the error cleared");
  });

  it("flags a mail only once it is filed, and never deletes it", async () => {
    const { campaignId, mailboxId } = await campaign({ after_filing: { action: "flag", flag: "$Baosong" } });
    await dovecot.append(user, "INBOX", schoolMail("filed"));
    await dovecot.append(user, "INBOX", schoolMail("not yet filed"));
    await start();
    await securedCount(mailboxId, 2);
    const [filed, pending] = await receipts(mailboxId);

    await file(campaignId, filed!);
    await waitFor(async () => (await receipts(mailboxId))[0]!.markedAt !== null, "the filed mail marked");
    expect((await receipts(mailboxId))[1]!.markedAt).toBeNull();
    const inbox = await folderMail("INBOX");
    expect(inbox.map((m) => m.uid)).toEqual([filed!.uid, pending!.uid]);
    expect(inbox[0]!.flags).toContain("$Baosong");
    expect(inbox[1]!.flags).not.toContain("$Baosong");
    // Downloading did not mark anything read either.
    expect(inbox[1]!.flags).not.toContain("\\Seen");
  });

  it("moves a filed mail to the configured folder, creating it, and never deletes it", async () => {
    const { campaignId, mailboxId } = await campaign({ after_filing: { action: "move", folder: "已归档" } });
    const filedRaw = schoolMail("moved");
    await dovecot.append(user, "INBOX", filedRaw);
    await dovecot.append(user, "INBOX", schoolMail("stays"));
    await start();
    await securedCount(mailboxId, 2);

    await file(campaignId, (await receipts(mailboxId))[0]!);
    await waitFor(async () => (await receipts(mailboxId))[0]!.markedAt !== null, "the filed mail marked");
    expect((await folderMail("已归档")).map((m) => m.messageId)).toEqual([messageIdOf(filedRaw)]);
    expect(await folderMail("INBOX")).toHaveLength(1);
    expect(await ingestJobs()).toHaveLength(2);
  });

  it("resyncs after a UIDVALIDITY change by Message-ID and size, downloading and enqueuing only new mail", async () => {
    const folder = "Submissions";
    const { mailboxId } = await campaign({ folder });
    const known = [schoolMail("known one"), schoolMail("known two")];
    for (const raw of known) await dovecot.append(user, folder, raw);
    const first = await start();
    await securedCount(mailboxId, 2);
    await stop(first);
    const oldValidity = (await mailboxRow(mailboxId)).uidValidity;

    // The server renumbers the folder: same mails, new UIDVALIDITY, plus one new mail.
    const client = await dovecot.client(user);
    await client.mailboxDelete(folder);
    await client.logout();
    const fresh = schoolMail("new after the resync");
    for (const raw of [...known, fresh]) await dovecot.append(user, folder, raw);
    const putsBefore = blobs.puts;

    await start();
    await securedCount(mailboxId, 3, (row) => row.uidValidity !== oldValidity);
    const row = await mailboxRow(mailboxId);
    expect(await receipts(mailboxId)).toHaveLength(5);
    const resynced = (await receipts(mailboxId)).filter((r) => r.uidValidity === row.uidValidity);
    expect(resynced.map((r) => r.rawSha256)).toEqual([...known, fresh].map(sha256));
    expect(row.lastUid).toBe(resynced.at(-1)!.uid);
    expect(blobs.puts - putsBefore).toBe(1);
    const jobs = await ingestJobs();
    expect(jobs).toHaveLength(3);
    expect(jobs.filter((j) => j.data.uidValidity === row.uidValidity).map((j) => j.data.rawSha256)).toEqual([sha256(fresh)]);
  });

  it("lets only one of two pollers poll a mailbox; the other takes over when it stops", async () => {
    const { mailboxId } = await campaign();
    await dovecot.append(user, "INBOX", schoolMail("一"));
    const a = capture("poller-a");
    const b = capture("poller-b");
    const handles = [await start(a.logger), await start(b.logger)];
    await securedCount(mailboxId, 1);

    const connected = (lines: string[]) => lines.filter((l) => l.includes('"msg":"connected"')).length;
    const waiting = (lines: string[]) => lines.some((l) => l.includes("another poller holds this mailbox"));
    await waitFor(async () => waiting(a.lines) || waiting(b.lines), "the second poller waiting");
    expect(connected(a.lines) + connected(b.lines)).toBe(1);
    const [holder, standby] = connected(a.lines) ? [0, 1] : [1, 0];
    expect(waiting([a, b][standby]!.lines)).toBe(true);
    const redis = redisConnection(redisUrl);
    expect(await redis.exists(pollerLockKey(prefix, mailboxId))).toBe(1);
    redis.disconnect();

    await stop(handles[holder]!);
    const later = schoolMail("二");
    await dovecot.append(user, "INBOX", later);
    await securedMail(mailboxId, later);
    expect(connected([a, b][standby]!.lines)).toBe(1);
    expect(await ingestJobs()).toHaveLength(2);
  });

  it("skips a mailbox whose password is not in the environment and says so in the dashboard", async () => {
    await campaign();
    const { logger, lines } = capture("poller");
    const handle = await startPollers({ db: t.db, blobs, queues, logger, redisUrl, prefix, env: {}, tuning });
    try {
      expect(handle.mailboxes).toEqual([]);
      const { rows } = await t.pool.query("select last_error from dashboard.mailboxes where campaign = 'test-rongchang'");
      expect(rows).toEqual([{ last_error: expect.stringContaining("环境变量 TEST_IMAP_PASSWORD 未设置") }]);
      expect(lines.map((l) => JSON.parse(l)).some((l) => l.msg === "mailbox password not set: not polling it" && l.env === "TEST_IMAP_PASSWORD")).toBe(true);
    } finally {
      await handle.stop();
    }
  });
});

let mailCounter = 0;

/** A mail as a school clerk's client writes it: CRLF, an RFC 2047 subject, a Message-ID. */
function schoolMail(subject: string): Buffer {
  const id = `${Date.now().toString(36)}.${++mailCounter}.${randomBytes(4).toString("hex")}@school.example.cn`;
  const encoded = `=?UTF-8?B?${Buffer.from(subject).toString("base64")}?=`;
  return Buffer.from(
    [
      "From: =?UTF-8?B?6I2j5piM6IGM5pWZ5Lit5b+D?= <rczj@example.cn>",
      "To: 112812581@qq.com",
      `Subject: ${encoded}`,
      "Date: Mon, 16 May 2022 09:30:00 +0800",
      `Message-ID: <${id}>`,
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=UTF-8",
      "Content-Transfer-Encoding: base64",
      "",
      Buffer.from(`${subject}\n各位老师好，附上今日材料。`).toString("base64"),
      "",
    ].join("\r\n"),
  );
}

function messageIdOf(raw: Buffer): string {
  return /^Message-ID: (.+)$/m.exec(raw.toString())![1]!.trim();
}

function sha256(raw: Buffer): string {
  return createHash("sha256").update(raw).digest("hex");
}

/** Polls until `check` holds; no timed assertions, only a generous deadline. */
async function waitFor(check: () => Promise<boolean>, what: string, deadlineMs = 25_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
