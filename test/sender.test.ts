import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ParsedMail } from "mailparser";
import { campaignSchema, type CampaignInput } from "@baosong/core";
import { campaigns, claimOutbox, enqueueOutbox, findOutbox, type NewOutboxMail, type OutboxRow } from "@baosong/db";
import { LocalBlobStore } from "@baosong/blobs";
import { createLogger, type Logger } from "@baosong/log";
import { MAX_CONNECTIONS_PER_ACCOUNT, paceIntervalMs, SendPacer } from "@baosong/mail";
import { JobQueues, jobIds, redisConnection } from "@baosong/queue";
import { startSender, type SenderHandle, type SenderSettings } from "../services/sender/src/index.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { startSmtpPeer, type SmtpPeer } from "./support/smtp-peer.ts";
import { dropQueues } from "./support/redis.ts";

const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const SMTP_USER = "112812581@qq.com";
/** A 16-letter 授权码 as QQ issues them; it must never reach a log line. */
const PASSWORD = "qwhzkvbnmrtplsdx";
const WRONG_PASSWORD = "aaaabbbbccccdddd";
const env = { BAOSONG_TEST_SMTP_CODE: PASSWORD, BAOSONG_TEST_WRONG_CODE: WRONG_PASSWORD };

describe("sender", () => {
  let t: TestDatabase;
  let blobDir: string;
  let blobs: LocalBlobStore;
  let peer: SmtpPeer;
  let prefix: string;
  let queues: JobQueues;
  let running: SenderHandle[];
  let logger: Logger;
  let logLines: string[];

  beforeAll(async () => {
    t = await createTestDatabase();
    blobDir = await mkdtemp(join(tmpdir(), "baosong-sender-"));
    blobs = new LocalBlobStore(blobDir);
    peer = await startSmtpPeer({ auth: { user: SMTP_USER, pass: PASSWORD } });
  });
  afterAll(async () => {
    await peer?.close();
    await t?.drop();
    await rm(blobDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    prefix = `bs-test-${randomBytes(5).toString("hex")}`;
    queues = new JobQueues({ redisUrl, prefix });
    running = [];
    logLines = [];
    logger = createLogger({ level: "trace", name: "sender-test", destination: { write: (line: string) => void logLines.push(line) } });
    peer.reset();
  });
  afterEach(async () => {
    for (const handle of running) await handle.stop();
    // A row a failed test left behind must not be swept up and sent by the next test's sender.
    await t.pool.query("update outbox set status = 'failed', last_error = 'test cleanup' where status in ('queued', 'sending')");
    await dropQueues(queues, redisUrl, prefix, ["send"]);
  });

  async function start(extra: Partial<SenderSettings> = {}): Promise<SenderHandle> {
    const handle = await startSender({ db: t.db, redisUrl, prefix, blobs, logger, env, sweepIntervalMs: 60_000, ...extra });
    running.push(handle);
    return handle;
  }

  async function campaign(passwordEnv = "BAOSONG_TEST_SMTP_CODE", perMinute = 600): Promise<number> {
    const slug = `c-${randomBytes(4).toString("hex")}`;
    const input: CampaignInput = {
      slug,
      title: "2022年荣昌区职业教育活动周",
      organizer: "重庆市荣昌区教育委员会",
      period: { start: "2022-05-08", end: "2022-05-14" },
      mailboxes: [{ id: "main", address: SMTP_USER, imap: { host: "127.0.0.1", user: SMTP_USER, password_env: passwordEnv } }],
      smtp: {
        host: peer.host,
        port: peer.port,
        secure: false,
        user: SMTP_USER,
        password_env: passwordEnv,
        from_name: "荣昌区职业教育活动周 报送",
        per_minute: perMinute,
      },
      schools: [{ name: "重庆市荣昌区职业教育中心", aliases: ["荣昌职教中心"] }],
    };
    const config = campaignSchema.parse(input);
    const [row] = await t.db.insert(campaigns).values({ slug, title: config.title, timezone: config.timezone, config }).returning();
    return row!.id;
  }

  async function newRow(campaignId: number, extra: Partial<NewOutboxMail> = {}): Promise<number> {
    const tag = randomBytes(6).toString("hex");
    const { id } = await enqueueOutbox(t.db, {
      campaignId,
      kind: "ack",
      dedupeKey: `ack:test:${tag}`,
      toAddress: "rczj@qq.com",
      subject: "回执：已收到重庆市荣昌区职业教育中心的情况统计表",
      textBody: "老师您好：\n已收到贵校 5月13日 的邮件，附件《情况统计表》已读取。参与活动的教师数：120 人。",
      htmlBody: "<p>老师您好：</p><p>已收到贵校 5月13日 的邮件，附件《情况统计表》已读取。</p>",
      ourMessageId: `ack-${tag}.1@qq.com`,
      inReplyTo: `school-${tag}@qq.com`,
      references: [`root-${tag}@qq.com`, `school-${tag}@qq.com`],
      ...extra,
    });
    return id;
  }

  const send = (outboxId: number, jobId = jobIds.send({ outboxId })) => queues.add("mail.send", { outboxId }, jobId);
  const row = async (id: number): Promise<OutboxRow> => (await findOutbox(t.db, id))!;
  const jobState = async (jobId: string) => (await queues.queue("send").getJob(jobId))?.getState();
  const rowIn = (id: number, status: string) =>
    until(async () => {
      const r = await row(id);
      return r.status === status ? r : null;
    }, `outbox row ${id} to be ${status}`);
  const jobsFinished = (...jobIdsToWait: string[]) =>
    until(
      async () => {
        const states = await Promise.all(jobIdsToWait.map(jobState));
        return states.every((s) => s === "completed" || s === "failed") ? states : null;
      },
      `jobs ${jobIdsToWait.join(", ")} to finish`,
    );

  it("sends an outbox row once, threaded under the school's mail, with Chinese subject, body and file name intact", async () => {
    await start();
    const campaignId = await campaign();
    const sheet = Buffer.from("PK\u0003\u0004 情况统计表的字节");
    const stored = await blobs.put(Readable.from([sheet]));
    const filename = "2022年职业教育活动周情况统计表（荣昌职教中心）.xlsx";
    const id = await newRow(campaignId, {
      attachments: [{ filename, blobKey: stored.key, contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" }],
    });
    const created = await row(id);
    await send(id);

    const sent = await rowIn(id, "sent");
    await jobsFinished(jobIds.send({ outboxId: id }));
    expect(peer.received).toHaveLength(1);
    const mail = peer.received[0]!;
    const p = mail.parsed;
    expectThreadedAs(p, created);
    expect(p.subject).toBe("回执：已收到重庆市荣昌区职业教育中心的情况统计表");
    expect(p.text?.trim()).toBe(created.textBody);
    expect(p.html).toContain("已收到贵校 5月13日 的邮件");
    // QQ: the From and the envelope sender are the logged-in account.
    expect(p.from?.value).toEqual([{ address: SMTP_USER, name: "荣昌区职业教育活动周 报送" }]);
    expect(mail.envelope).toEqual({ from: SMTP_USER, to: ["rczj@qq.com"] });
    expect(mail.user).toBe(SMTP_USER);
    expect(p.headers.get("auto-submitted")).toBe("auto-replied");

    expect(p.attachments).toHaveLength(1);
    expect(p.attachments[0]!.filename).toBe(filename);
    expect(p.attachments[0]!.content.equals(sheet)).toBe(true);
    // QQ webmail shows tcmime.*.bin unless an RFC 2047 name= sits beside RFC 2231 filename*=.
    const raw = mail.raw.toString("latin1");
    expect(raw).toMatch(/filename\*(0\*)?=utf-8''/i);
    expect(raw).toMatch(/;\s+name="=\?UTF-8\?B\?/i);

    expect(sent).toMatchObject({ status: "sent", attempts: 1, lastError: null });
    expect(sent.sentAt).toBeInstanceOf(Date);
  });

  it("sends a 回执 without files, built in one piece, with Chinese subject, body, threading and headers intact", async () => {
    await start();
    const id = await newRow(await campaign(), { kind: "reminder" });
    const created = await row(id);
    await send(id);

    await rowIn(id, "sent");
    await jobsFinished(jobIds.send({ outboxId: id }));
    expect(peer.received).toHaveLength(1);
    const mail = peer.received[0]!;
    const p = mail.parsed;
    expectThreadedAs(p, created);
    expect(p.subject).toBe(created.subject);
    expect(p.text?.trim()).toBe(created.textBody);
    expect(p.html).toContain("已收到贵校 5月13日 的邮件");
    expect(p.from?.value).toEqual([{ address: SMTP_USER, name: "荣昌区职业教育活动周 报送" }]);
    expect(p.to).toMatchObject({ value: [{ address: "rczj@qq.com", name: "" }] });
    expect(p.date).toBeInstanceOf(Date);
    expect(mail.envelope).toEqual({ from: SMTP_USER, to: ["rczj@qq.com"] });
    expect(p.headers.get("auto-submitted")).toBe("auto-generated");
    expect(p.headers.get("x-auto-response-suppress")).toBe("All");
    expect(p.headers.get("mime-version")).toBe("1.0");
    expect(p.attachments).toHaveLength(0);
  });

  it("delivers once when the row is enqueued twice and two sender processes race for it", async () => {
    await start();
    await start();
    const id = await newRow(await campaign());
    const first = jobIds.send({ outboxId: id });
    await send(id);
    await send(id); // the same job id: BullMQ drops it
    await send(id, `${first}-again`); // a second job for the same row: only the claim stops it
    await rowIn(id, "sent");
    await jobsFinished(first, `${first}-again`);
    expect(peer.received).toHaveLength(1);
    expect((await row(id)).attempts).toBe(1);
  });

  it("lets exactly one of many concurrent claims take a row, and takes a stale claim over", async () => {
    const id = await newRow(await campaign());
    const claims = await Promise.all(Array.from({ length: 10 }, () => claimOutbox(t.db, id, 60_000)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    // The claim reads the row as findOutbox does, with its campaign's row version beside it.
    const { campaignVersion, ...claimed } = claims.find(Boolean)!;
    expect(claimed).toEqual(await row(id));
    expect(campaignVersion).toMatch(/^\d+$/);
    expect(await claimOutbox(t.db, id, 60_000)).toBeNull();

    // The sender died mid-send an hour ago: the crash window.
    await t.pool.query("update outbox set claimed_at = now() - interval '1 hour' where id = $1", [id]);
    const retaken = await claimOutbox(t.db, id, 60_000);
    expect(retaken).toMatchObject({ status: "sending", attempts: 2 });
    expect(await claimOutbox(t.db, id, 60_000)).toBeNull();
  });

  it("retries a 451 refusal and then delivers exactly once, recording both attempts", async () => {
    await start();
    const id = await newRow(await campaign());
    peer.refuseNext(1, { code: 451, message: "4.3.0 Requested action aborted: local error in processing" });
    await send(id);
    const sent = await rowIn(id, "sent");
    await jobsFinished(jobIds.send({ outboxId: id }));
    expect(peer.refused).toHaveLength(1);
    expect(peer.received).toHaveLength(1);
    expect(sent.attempts).toBe(2);
    expect(sent.lastError).toContain("451");
  });

  it("treats QQ's 554 发送频次过快 as a throttle: waits and delivers", async () => {
    await start({ throttlePauseMs: 200 });
    const id = await newRow(await campaign());
    peer.refuseNext(1, { code: 554, message: "发送频次过快，请稍后再试" });
    await send(id);
    const sent = await rowIn(id, "sent");
    await jobsFinished(jobIds.send({ outboxId: id }));
    expect(peer.received).toHaveLength(1);
    expect(sent.attempts).toBe(2);
    expect(sent.lastError).toContain("554 发送频次过快");
  });

  it("marks a row failed on a permanent 550, with the server's reply, after one attempt", async () => {
    await start();
    const id = await newRow(await campaign());
    peer.refuseNext(1, { code: 550, message: "Mailbox unavailable or access denied", stage: "rcpt" });
    await send(id);
    const failed = await rowIn(id, "failed");
    await jobsFinished(jobIds.send({ outboxId: id }));
    expect(failed.attempts).toBe(1);
    expect(failed.lastError).toContain("550 Mailbox unavailable or access denied");
    expect(peer.received).toHaveLength(0);
    const job = await queues.queue("send").getJob(jobIds.send({ outboxId: id }));
    expect(await job!.getState()).toBe("failed");
    expect(job!.attemptsMade).toBe(1);
  });

  it("never sends a suppressed row", async () => {
    await start();
    const id = await newRow(await campaign(), { status: "suppressed", suppressedReason: "hourly_cap" });
    await send(id);
    await jobsFinished(jobIds.send({ outboxId: id }));
    expect(await row(id)).toMatchObject({ status: "suppressed", attempts: 0 });
    expect(peer.received).toHaveLength(0);
  });

  it("sweeps up rows whose job was lost, and rows a dead sender left mid-send", async () => {
    const campaignId = await campaign();
    const lost = await newRow(campaignId); // committed, but the enqueue never happened
    const dead = await newRow(campaignId);
    await t.pool.query("update outbox set status = 'sending', attempts = 1, claimed_at = now() - interval '1 hour' where id = $1", [dead]);
    const handle = await start({ sweepIntervalMs: 100 });
    const later = await newRow(campaignId); // appears after the start-up sweep
    await rowIn(lost, "sent");
    await rowIn(dead, "sent");
    await rowIn(later, "sent");
    expect(await handle.sweep()).toBe(0);
    expect(peer.received.map((m) => m.parsed.messageId).sort()).toEqual(
      [(await row(lost)).ourMessageId, (await row(dead)).ourMessageId, (await row(later)).ourMessageId].map((m) => `<${m}>`).sort(),
    );
    expect((await row(dead)).attempts).toBe(2);
  });

  it("renews its claim while a send waits longer than the stale window, so a second sender does not send it again", async () => {
    // Both senders sweep every 100 ms and take claims older than 400 ms as a dead sender's.
    await start({ staleAfterMs: 400, sweepIntervalMs: 100 });
    await start({ staleAfterMs: 400, sweepIntervalMs: 100 });
    const id = await newRow(await campaign());
    const redis = redisConnection(redisUrl);
    try {
      // The account is paused (a provider throttle) for 2 s: the send waits after its claim.
      await new SendPacer(redis, prefix).hold(`${peer.host}:${peer.port}/${SMTP_USER}`, 2_000);
    } finally {
      redis.disconnect();
    }
    await send(id);
    await rowIn(id, "sending");
    await new Promise((r) => setTimeout(r, 1_000));
    // A second job for the same row (as after a stalled job), well past the stale window.
    await send(id, `${jobIds.send({ outboxId: id })}-again`);
    const sent = await rowIn(id, "sent");
    await jobsFinished(jobIds.send({ outboxId: id }), `${jobIds.send({ outboxId: id })}-again`);
    expect(sent.attempts).toBe(1);
    expect(peer.received).toHaveLength(1);
  });

  it("records the handover before the end of DATA, and never resends a mail a dead sender had handed over", async () => {
    const campaignId = await campaign();
    const handedOver = await newRow(campaignId);
    await t.pool.query(
      "update outbox set status = 'sending', attempts = 1, claimed_at = now() - interval '1 hour', handed_over_at = now() - interval '1 hour' where id = $1",
      [handedOver],
    );
    const fresh = await newRow(campaignId);
    const handle = await start({ sweepIntervalMs: 100 });
    await send(fresh);
    const sent = await rowIn(fresh, "sent");
    expect(sent.handedOverAt).toBeInstanceOf(Date);
    expect(sent.lastError).toBeNull();
    expect(await handle.sweep()).toBe(0);
    const settled = await rowIn(handedOver, "sent");
    expect(settled).toMatchObject({ attempts: 1, lastError: expect.stringContaining("unconfirmed") });
    expect(peer.received.map((m) => m.parsed.messageId)).toEqual([`<${sent.ourMessageId}>`]);
  });

  it("never writes the SMTP password to the logs, on success or on a refused login", async () => {
    await start();
    const good = await newRow(await campaign());
    const bad = await newRow(await campaign("BAOSONG_TEST_WRONG_CODE"));
    await send(good);
    await send(bad);
    await rowIn(good, "sent");
    const refused = await rowIn(bad, "failed");
    await jobsFinished(jobIds.send({ outboxId: good }), jobIds.send({ outboxId: bad }));
    expect(refused.lastError).toMatch(/535/);
    expect(peer.logins).toEqual(
      expect.arrayContaining([
        { user: SMTP_USER, ok: true },
        { user: SMTP_USER, ok: false },
      ]),
    );

    const logs = logLines.join("");
    expect(logs).toContain("mail sent");
    expect(logs).toContain("mail failed");
    const failedJob = await queues.queue("send").getJob(jobIds.send({ outboxId: bad }));
    for (const secret of [PASSWORD, WRONG_PASSWORD]) {
      // As written, and as AUTH LOGIN / AUTH PLAIN put it on the wire.
      const forms = [secret, Buffer.from(secret).toString("base64"), Buffer.from(`\0${SMTP_USER}\0${secret}`).toString("base64")];
      for (const form of forms) {
        expect(logs).not.toContain(form);
        expect(refused.lastError).not.toContain(form);
        expect(failedJob!.failedReason).not.toContain(form);
      }
    }
  });

  it("sends several 回执 of a slowly paced account over one kept connection and one login, each once", async () => {
    // 120 a minute leaves a send 500 ms: one connection keeps up, as QQ wants.
    await start();
    const campaignId = await campaign("BAOSONG_TEST_SMTP_CODE", 120);
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push(await newRow(campaignId));
    for (const id of ids) await send(id);
    for (const id of ids) await rowIn(id, "sent");
    await jobsFinished(...ids.map((outboxId) => jobIds.send({ outboxId })));

    expect(peer.connections).toBe(1);
    expect(peer.logins).toEqual([{ user: SMTP_USER, ok: true }]);
    const expected = await Promise.all(ids.map(async (id) => `<${(await row(id)).ourMessageId}>`));
    expect(peer.received.map((m) => m.parsed.messageId).sort()).toEqual(expected.sort());
    for (const id of ids) expect(await row(id)).toMatchObject({ status: "sent", attempts: 1 });
  });

  it("sends a burst of a fast account in parallel on a few kept connections, each 回执 exactly once", async () => {
    await start();
    const campaignId = await campaign("BAOSONG_TEST_SMTP_CODE", 6000);
    const ids = [];
    for (let i = 0; i < 30; i++) ids.push(await newRow(campaignId));
    await Promise.all(ids.map((id) => send(id)));
    await peer.waitFor(ids.length);
    for (const id of ids) await rowIn(id, "sent");
    await jobsFinished(...ids.map((outboxId) => jobIds.send({ outboxId })));

    // Connections are reused: never one per mail, never more than the per-account bound.
    expect(peer.connections).toBeGreaterThanOrEqual(1);
    expect(peer.connections).toBeLessThanOrEqual(MAX_CONNECTIONS_PER_ACCOUNT);
    expect(peer.logins.every((l) => l.ok)).toBe(true);
    const delivered = peer.received.map((m) => m.parsed.messageId);
    expect(new Set(delivered).size).toBe(ids.length);
    expect(delivered).toHaveLength(ids.length);
    const { rows } = await t.pool.query<{ n: number }>("select count(*)::int as n from outbox where id = any($1) and status = 'sent' and attempts = 1", [ids]);
    expect(rows[0]!.n).toBe(ids.length);
  });

  it("stops at once while 回执 wait for their pace slots, gives them back untried, and the next start sends each once", async () => {
    const first = await start();
    // One a minute: after the first send the other rows wait a minute and two for their slots.
    const campaignId = await campaign("BAOSONG_TEST_SMTP_CODE", 1);
    const ids = [await newRow(campaignId), await newRow(campaignId), await newRow(campaignId)];
    for (const id of ids) await send(id);
    await peer.waitFor(1);
    await until(async () => {
      const { rows } = await t.pool.query<{ n: number }>("select count(*)::int as n from outbox where id = any($1) and status <> 'queued'", [ids]);
      return rows[0]!.n === ids.length ? true : null;
    }, "every row claimed");

    await first.stop();
    running.splice(running.indexOf(first), 1);
    expect(peer.received).toHaveLength(1);
    const waiting = (await Promise.all(ids.map(row))).filter((r) => r.status !== "sent");
    expect(waiting).toHaveLength(2);
    for (const r of waiting) expect(r).toMatchObject({ status: "queued", attempts: 0, claimedAt: null, handedOverAt: null });
    expect(logLines.filter((l) => l.includes("row given back before its turn to send"))).toHaveLength(2);

    // Later, at a faster pace (the slots the stopped sender held are spent), a new sender sends them once.
    await t.pool.query("update campaigns set config = jsonb_set(config, '{smtp,per_minute}', '600') where id = $1", [campaignId]);
    const redis = redisConnection(redisUrl);
    await redis.del(`${prefix}:smtp-pace:${peer.host.toLowerCase()}:${peer.port}/${SMTP_USER}`);
    redis.disconnect();
    await start();
    await peer.waitFor(3);
    for (const r of waiting) await rowIn(r.id, "sent");
    const delivered = peer.received.map((m) => m.parsed.messageId);
    expect(new Set(delivered).size).toBe(3);
    for (const id of ids) expect(await row(id)).toMatchObject({ status: "sent", attempts: 1 });
  });

  it("gives concurrent senders of one account distinct slots exactly one interval apart", async () => {
    const redis = redisConnection(redisUrl);
    try {
      const pacer = new SendPacer(redis, prefix);
      const slots = await Promise.all(Array.from({ length: 12 }, () => pacer.reserveSlot("smtp.example.com:587/fast@example.com", 6000)));
      const at = slots.map((s) => s.at).sort((a, b) => a - b);
      const gaps = at.slice(1).map((a, i) => a - at[i]!);
      expect(gaps).toEqual(Array.from({ length: 11 }, () => paceIntervalMs(6000)));
    } finally {
      redis.disconnect();
    }
  });

  it("paces an account in Redis: one slot per 60/per_minute seconds, and holds it after a throttle", async () => {
    const redis = redisConnection(redisUrl);
    try {
      const pacer = new SendPacer(redis, prefix);
      const waits = [await pacer.reserve("smtp.qq.com:465/a@qq.com", 1), await pacer.reserve("smtp.qq.com:465/a@qq.com", 1)];
      expect(waits[0]).toBe(0);
      expect(waits[1]).toBeGreaterThan(55_000);
      expect(waits[1]).toBeLessThanOrEqual(60_000);
      // Another account is not slowed by this one.
      expect(await pacer.reserve("smtp.163.com:465/b@163.com", 1)).toBe(0);
      await pacer.hold("smtp.163.com:465/b@163.com", 300_000);
      expect(await pacer.reserve("smtp.163.com:465/b@163.com", 1)).toBeGreaterThan(290_000);
    } finally {
      redis.disconnect();
    }
  });
});

/** Polls until `probe` gives a value; fails at the deadline saying what it waited for. */
async function until<T>(probe: () => Promise<T | null | undefined>, what: string, timeoutMs = 25_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The sent mail carries the row's Message-ID and threads under the school's mail. */
function expectThreadedAs(p: ParsedMail, row: OutboxRow): void {
  expect(p.messageId).toBe(`<${row.ourMessageId}>`);
  expect(p.inReplyTo).toBe(`<${row.inReplyTo}>`);
  expect(p.references).toEqual(row.references!.map((r) => `<${r}>`));
}
