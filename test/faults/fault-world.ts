import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { migrateDatabase } from "@baosong/db";
import { stringify } from "yaml";
import { startBaosong, type BaosongProcess } from "../support/baosong-process.ts";
import { testCampaign } from "../support/campaign.ts";
import { startDovecot, type Dovecot } from "../support/dovecot.ts";
import { startPrivatePostgres, type PrivatePostgres } from "../support/private-postgres.ts";
import { startPrivateRedis, type PrivateRedis } from "../support/private-redis.ts";
import { startSmtpPeer, type SmtpPeer } from "../support/smtp-peer.ts";

/** The campaign's sending pace in every fault test: fast enough for several SMTP connections at once. */
export const FAULT_PER_MINUTE = 600;

/**
 * One fault, against servers of its own: a private Postgres cluster, Redis, Dovecot and SMTP
 * peer, and Baosong as child processes (`pnpm baosong start`), so the fault can be a real
 * restart, a terminated backend or a kill -9, and the shared servers are never touched.
 */
export const MAILS = Number(process.env.FAULT_MAILS ?? 100);
/** Generous: settling is polled, never timed; this only bounds a test that never settles. */
export const SETTLE_LIMIT_MS = 240_000;
/** Also the per-test timeout of the fault files. */
export const FAULT_TEST_TIMEOUT_MS = 420_000;

const INBOX = "112812581@qq.com";
const IMAP_CODE = "qwertyuiopasdfgh";
const SMTP_CODE = "zxcvbnmlkjhgfdsa";
const SCHOOLS = 20;

export interface Counts {
  appended: number;
  filed: number;
  /** Filed but not `filed` (failed, rejected, unattributed): every test mail should be filed. */
  notFiledStatus: number;
  duplicated: number;
  owed: number;
  sent: number;
  sentDuplicated: number;
  /**
   * 回执 a dead sender had handed over (`handed_over_at`) before the server's reply: taken as
   * sent and never resent, flagged `unconfirmed:` in last_error for an admin.
   */
  unconfirmed: number;
  /** Of those, how many the SMTP peer never got (the process died before the last bytes left). */
  unconfirmedUndelivered: number;
  /** Outbox rows still queued or sending. */
  pending: number;
}

export interface FaultWorld {
  pg: PrivatePostgres;
  redis: PrivateRedis;
  dovecot: Dovecot;
  peer: SmtpPeer;
  prefix: string;
  /** Baosong processes started so far (see `launch`). */
  processes: BaosongProcess[];
  /** Starts `pnpm baosong start` with these roles (all four by default). */
  launch(roles?: string): BaosongProcess;
  /** APPENDs `count` school mails over one IMAP connection; numbering continues across calls. */
  append(count: number): Promise<void>;
  counts(): Promise<Counts>;
  /** Polls until everything appended is filed once and answered once; returns seconds taken. */
  settle(since?: number): Promise<number>;
  /** Polls until at least `n` mails are filed (to strike while a backlog is in flight). */
  filedAtLeast(n: number): Promise<void>;
  /** Polls until the poller has secured (and enqueued) at least `n` mails. */
  securedAtLeast(n: number): Promise<void>;
  report(fault: string, c: Counts, seconds: number): void;
  close(): Promise<void>;
}

export async function startFaultWorld(name: string): Promise<FaultWorld> {
  const dir = await mkdtemp(join(tmpdir(), `bsfault-${name}-`));
  const [pgServer, redis, dovecot, peer] = await Promise.all([
    startPrivatePostgres(),
    startPrivateRedis(),
    startDovecot(),
    startSmtpPeer({ auth: { user: INBOX, pass: SMTP_CODE } }),
  ]);
  await dovecot.addUser(INBOX, IMAP_CODE);
  const database = "baosong_fault";
  await pgServer.query(`create database ${database}`);
  const prefix = `bsf-${randomBytes(3).toString("hex")}`;
  const schools = Array.from({ length: SCHOOLS }, (_, i) => ({
    name: `故障测试第${i + 1}职业学校`,
    aliases: [],
    senders: [`s${i + 1}@school${i + 1}.example.cn`],
  }));
  const campaign = testCampaign({
    slug: `fault-${name}`,
    mailboxes: [
      {
        id: "main",
        address: INBOX,
        imap: { host: dovecot.host, port: dovecot.port, secure: false, user: INBOX, password_env: "FAULT_IMAP_CODE" },
        poll_interval_seconds: 5,
      },
    ],
    smtp: {
      host: peer.host,
      port: peer.port,
      secure: false,
      user: INBOX,
      password_env: "FAULT_SMTP_CODE",
      from_name: "故障测试",
      per_minute: FAULT_PER_MINUTE,
    },
    acknowledgements: { enabled: true, allow_unknown_senders: false, max_per_sender_per_hour: 100_000 },
    schools,
  });
  const campaignFile = join(dir, "campaign.yaml");
  await writeFile(campaignFile, stringify(campaign));
  const env = {
    DATABASE_URL: pgServer.url(database),
    REDIS_URL: redis.url,
    BAOSONG_BLOB_DIR: join(dir, "blobs"),
    BAOSONG_QUEUE_PREFIX: prefix,
    BAOSONG_CAMPAIGNS: campaignFile,
    BAOSONG_ROLES: "poller,worker,sender,scheduler",
    FAULT_IMAP_CODE: IMAP_CODE,
    FAULT_SMTP_CODE: SMTP_CODE,
  };
  // The test's own look at the database; its connections die with every fault too.
  const pool = new pg.Pool({ connectionString: pgServer.url(database), max: 2 });
  pool.on("error", () => undefined);
  pool.on("connect", (c) => c.on("error", () => undefined));
  // Migrated here too (it is safe to repeat), so counting never races Baosong's start-up.
  await migrateDatabase(pool);
  const count = async (sql: string): Promise<number> => Number((await rowsOf(sql))[0]!.n);
  const rowsOf = async (sql: string): Promise<Record<string, unknown>[]> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return (await pool.query(sql)).rows;
      } catch (err) {
        // The fault may be a database that is down right now: look again shortly.
        if (attempt > 240) throw err;
        await sleep(500);
      }
    }
  };

  const atLeast = async (sql: string, n: number, what: string) => {
    const deadline = Date.now() + SETTLE_LIMIT_MS;
    while ((await count(sql)) < n) {
      if (Date.now() > deadline) throw new Error(`fewer than ${n} mails ${what} within ${SETTLE_LIMIT_MS} ms`);
      await sleep(200);
    }
  };

  const processes: BaosongProcess[] = [];
  let appended = 0;
  const world: FaultWorld = {
    pg: pgServer,
    redis,
    dovecot,
    peer,
    prefix,
    processes,
    launch(roles = env.BAOSONG_ROLES) {
      const p = startBaosong({ ...env, BAOSONG_ROLES: roles }, join(dir, `baosong-${processes.length + 1}.log`));
      processes.push(p);
      return p;
    },
    async append(n) {
      const client = await dovecot.client(INBOX);
      try {
        for (let i = 0; i < n; i++) await client.append("INBOX", schoolMail(name, ++appended));
      } finally {
        await client.logout().catch(() => client.close());
      }
    },
    async counts() {
      const filed = await count("select count(distinct message_id) as n from messages");
      const rows = await count("select count(*) as n from messages");
      // 回执 only (they answer a school's mail); reminders and digests are not counted here.
      const sentIds = peer.received.filter((m) => m.parsed.inReplyTo).map((m) => m.parsed.messageId ?? "");
      const unconfirmed = (await rowsOf("select our_message_id as id from outbox where kind = 'ack' and last_error like 'unconfirmed:%'")).map(
        (r) => `<${r.id}>`,
      );
      return {
        appended,
        filed,
        notFiledStatus: await count("select count(*) as n from messages where status <> 'filed'"),
        duplicated: rows - filed,
        owed: await count("select count(*) as n from outbox where kind = 'ack' and status <> 'suppressed'"),
        sent: new Set(sentIds).size,
        sentDuplicated: sentIds.length - new Set(sentIds).size,
        unconfirmed: unconfirmed.length,
        unconfirmedUndelivered: unconfirmed.filter((id) => !sentIds.includes(id)).length,
        pending: await count("select count(*) as n from outbox where status in ('queued', 'sending')"),
      };
    },
    filedAtLeast: (n) => atLeast("select count(*) as n from messages", n, "filed"),
    securedAtLeast: (n) => atLeast("select coalesce(max(last_uid), 0) as n from mailboxes", n, "secured"),
    async settle(since = Date.now()) {
      const deadline = since + SETTLE_LIMIT_MS;
      for (;;) {
        const c = await world.counts();
        const settled = c.filed >= c.appended && c.owed >= c.appended && c.sent + c.unconfirmedUndelivered >= c.owed && c.pending === 0;
        if (settled) return (Date.now() - since) / 1000;
        if (Date.now() > deadline) throw new Error(`not settled within ${SETTLE_LIMIT_MS / 1000} s: ${JSON.stringify(c)} (logs in ${dir})`);
        await sleep(500);
      }
    },
    report(fault, c, seconds) {
      console.log(
        `[fault] ${fault}: mails appended ${c.appended} / filed ${c.filed} / duplicated ${c.duplicated}; ` +
          `回执 owed ${c.owed} / sent ${c.sent} / duplicated ${c.sentDuplicated} (unconfirmed ${c.unconfirmed}, of them not received ${c.unconfirmedUndelivered}); ` +
          `settled in ${seconds.toFixed(1)} s`,
      );
    },
    async close() {
      for (const p of processes) await p.stop();
      await pool.end().catch(() => undefined);
      await Promise.all([pgServer.stop(), redis.stop(), dovecot.stop(), peer.close()]);
      // FAULT_KEEP=1 keeps the processes' logs (and blobs) for a look after a failure.
      if (!process.env.FAULT_KEEP) await rm(dir, { recursive: true, force: true });
      else console.log(`[fault] kept ${dir}`);
    },
  };
  return world;
}

/** A short news draft from one of the roster's schools, by its roster address. */
function schoolMail(fault: string, n: number): Buffer {
  const school = ((n - 1) % SCHOOLS) + 1;
  const subject = Buffer.from(`故障测试第${school}职业学校5月16日新闻稿（第${n}篇）`).toString("base64");
  const body = `5月16日，我校开展职业教育活动周开放日活动，邀请家长和社区居民走进校园，参观实训基地，体验专业技能。这是第${n}篇稿件。`;
  return Buffer.from(
    [
      `From: s${school}@school${school}.example.cn`,
      `To: ${INBOX}`,
      `Subject: =?UTF-8?B?${subject}?=`,
      `Message-ID: <${fault}-${n}@school${school}.example.cn>`,
      "Date: Mon, 16 May 2022 10:00:00 +0800",
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=utf-8",
      "Content-Transfer-Encoding: base64",
      "",
      Buffer.from(body).toString("base64"),
      "",
    ].join("\r\n"),
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
