import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSettings, openRuntime, startRoles, type Running, type Runtime } from "@baosong/svc-cli";
import { JobQueues } from "@baosong/queue";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { startDovecot, type Dovecot } from "../support/dovecot.ts";
import { startSmtpPeer, type SmtpPeer } from "../support/smtp-peer.ts";
import { testCampaign } from "../support/campaign.ts";

/**
 * One school mail all the way: APPENDed into a real Dovecot mailbox, fetched by the poller,
 * filed by the worker, answered by the sender through a real SMTP peer — run by the same
 * `startRoles` that `pnpm start` uses.
 */
const fixtures = join(import.meta.dirname, "../fixtures/mail");
const manifest = JSON.parse(readFileSync(join(fixtures, "manifest.json"), "utf8"));
const fixture = (name: string) => readFileSync(join(fixtures, name));
const INBOX_USER = "112812581@qq.com";
const IMAP_CODE = "qwertyuiopasdfgh";
const SMTP_CODE = "zxcvbnmlkjhgfdsa";

/** The school's mail with another Message-ID: a second, distinct submission. */
function variant(n: number): Buffer {
  return Buffer.from(fixture("school-info-form.eml").toString("latin1").replace("<info-form-2022@rczj.example.cn>", `<news-${n}@rczj.example.cn>`), "latin1");
}

describe("one mail all the way through", () => {
  let t: TestDatabase;
  let dovecot: Dovecot;
  let peer: SmtpPeer;
  let dir: string;
  let rt: Runtime;
  let running: Running | null = null;
  const prefix = `bse2e-${randomBytes(4).toString("hex")}`;
  const env = { E2E_IMAP_CODE: IMAP_CODE, E2E_SMTP_CODE: SMTP_CODE };

  const count = async (sql: string) => (await t.pool.query(sql)).rows[0].n as number;
  const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const start = async () => {
    running = await startRoles(rt, ["poller", "worker", "sender"], env);
  };
  const stop = async () => {
    await running?.stop();
    running = null;
  };

  beforeAll(async () => {
    [t, dovecot, peer] = await Promise.all([createTestDatabase(), startDovecot(), startSmtpPeer({ auth: { user: INBOX_USER, pass: SMTP_CODE } })]);
    await dovecot.addUser(INBOX_USER, IMAP_CODE);
    dir = await mkdtemp(join(tmpdir(), "baosong-e2e-"));
    const campaign = testCampaign({
      mailboxes: [
        {
          id: "main",
          address: INBOX_USER,
          imap: { host: dovecot.host, port: dovecot.port, secure: false, user: INBOX_USER, password_env: "E2E_IMAP_CODE" },
          poll_interval_seconds: 5,
        },
      ],
      smtp: { host: peer.host, port: peer.port, secure: false, user: INBOX_USER, password_env: "E2E_SMTP_CODE", from_name: "荣昌区教委职成科" },
    });
    const file = join(dir, "campaign.yaml");
    await writeFile(file, stringify(campaign));
    const settings = loadSettings({
      DATABASE_URL: t.url,
      REDIS_URL: process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
      BAOSONG_BLOB_DIR: join(dir, "blobs"),
      BAOSONG_QUEUE_PREFIX: prefix,
      BAOSONG_CAMPAIGNS: file,
      LOG_LEVEL: "silent",
    });
    rt = await openRuntime(settings);
  });

  afterAll(async () => {
    await stop();
    const queues = new JobQueues({ redisUrl: rt.settings.REDIS_URL, prefix });
    for (const name of ["ingest", "send"]) await queues.queue(name).obliterate({ force: true });
    await queues.close();
    await rt?.close();
    await Promise.all([t?.drop(), dovecot?.stop(), peer?.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it("files a school's mail with its Chinese RFC 2231 file names and answers once, threaded", async () => {
    await start();
    const uid = await dovecot.append(INBOX_USER, "INBOX", fixture("school-info-form.eml"));
    const [ack] = await peer.waitFor(1, 60_000);

    const {
      rows: [m],
    } = await t.pool.query("select * from dashboard.messages");
    expect(m).toMatchObject({
      message_id: "info-form-2022@rczj.example.cn",
      mailbox: INBOX_USER,
      from_address: "rczj@example.cn",
      school: "重庆市荣昌区职业教育中心",
      attributed_by: "sender",
      status: "filed",
      auto_reply: false,
    });
    const docs = await t.pool.query("select filename, sha256, size_bytes::int as size from dashboard.documents order by filename");
    expect(docs.rows).toEqual(
      [...manifest["school-info-form.eml"].attachments].sort((a: { filename: string }, b: { filename: string }) => (a.filename < b.filename ? -1 : 1)),
    );

    expect(ack!.envelope.to).toEqual(["rczj@example.cn"]);
    expect(ack!.user).toBe(INBOX_USER);
    expect(ack!.parsed.from?.value[0]?.address).toBe(INBOX_USER);
    expect(ack!.parsed.subject).toBe("【回执】2022年荣昌区职业教育活动周：已收到您的邮件 “重庆市荣昌区职业教育中心 信息采集表”");
    expect(ack!.parsed.inReplyTo).toBe("<info-form-2022@rczj.example.cn>");
    expect([ack!.parsed.references].flat()).toContain("<info-form-2022@rczj.example.cn>");
    expect(ack!.parsed.text).toContain("2022年职业教育活动周信息采集表.xlsx");
    expect(ack!.parsed.text).toContain("活动照片1.png");
    expect(ack!.parsed.html).toContain("2022年职业教育活动周信息采集表.xlsx");
    // The peer has the mail a moment before the sender records it as sent.
    await until("the 回执 is recorded as sent", async () => (await count("select count(*)::int as n from outbox where status = 'sent'")) === 1);
    expect((await t.pool.query("select status from dashboard.outbox")).rows).toEqual([{ status: "sent" }]);

    // Only after the filing committed is the mail marked in the mailbox; it is never deleted.
    const client = await dovecot.client(INBOX_USER);
    try {
      await until("the mail is flagged as filed", async () => {
        const lock = await client.getMailboxLock("INBOX");
        try {
          const msg = await client.fetchOne(String(uid), { flags: true }, { uid: true });
          return msg !== false && Boolean(msg?.flags?.has("\\Seen"));
        } finally {
          lock.release();
        }
      });
      const status = await client.status("INBOX", { messages: true });
      expect(status === false ? undefined : status.messages).toBe(1);
    } finally {
      await client.logout();
    }
  });

  it("files an auto-reply and a bounce but answers neither", async () => {
    await dovecot.append(INBOX_USER, "INBOX", fixture("auto-reply.eml"));
    await dovecot.append(INBOX_USER, "INBOX", fixture("bounce.eml"));
    await until("both are filed", async () => (await count("select count(*)::int as n from messages where auto_reply")) === 2);
    const { rows } = await t.pool.query("select status, suppressed_reason from dashboard.outbox where status <> 'sent' order by suppressed_reason");
    expect(rows).toEqual([
      { status: "suppressed", suppressed_reason: "auto_reply:auto_submitted" },
      { status: "suppressed", suppressed_reason: "auto_reply:bounce" },
    ]);
    expect(peer.received).toHaveLength(1);
  });

  it("neither skips nor repeats a mail across a restart: three mails sent while stopped all arrive, once", async () => {
    await stop();
    for (const n of [1, 2, 3]) await dovecot.append(INBOX_USER, "INBOX", variant(n));
    await start();
    await peer.waitFor(4, 60_000);
    await until("all six are filed", async () => (await count("select count(*)::int as n from messages")) === 6);

    // A further restart must not ingest anything again.
    await stop();
    await start();
    await dovecot.append(INBOX_USER, "INBOX", variant(4));
    await peer.waitFor(5, 60_000);
    expect(await count("select count(*)::int as n from messages")).toBe(7);
    expect(await count("select count(*)::int as n from mail_receipts")).toBe(7);
    await until(
      "five 回执 are recorded as sent",
      async () => (await count("select count(*)::int as n from outbox where kind = 'ack' and status = 'sent'")) === 5,
    );
    // Five sent, and the auto-reply's and the bounce's suppressed: one row per mail, none twice.
    expect(await count("select count(*)::int as n from outbox where kind = 'ack'")).toBe(7);
    const ids = peer.received.map((r) => r.parsed.inReplyTo).sort();
    expect(ids).toEqual([
      "<info-form-2022@rczj.example.cn>",
      "<news-1@rczj.example.cn>",
      "<news-2@rczj.example.cn>",
      "<news-3@rczj.example.cn>",
      "<news-4@rczj.example.cn>",
    ]);
  });
});
