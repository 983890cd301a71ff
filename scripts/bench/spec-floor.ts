import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Queue, Worker } from "bullmq";
import { simpleParser } from "mailparser";
import nodemailer from "nodemailer";
import pg from "pg";
import { startSmtpSink } from "./smtp-sink.ts";
import { imapClient } from "./ceilings.ts";
import type { BenchServers } from "./world.ts";

/**
 * Ceiling S, the floor of SPEC §1's design: the least any implementation of the pipeline the
 * SPEC prescribes must do per mail, written bare in the bench process, with none of what
 * Baosong decides (no attribution, forms, checks, budgets, cap, owed items or 回执 words, no
 * logs, no flag after filing). Per mail:
 *
 * - poller: the raw bytes from one FETCH of the window, hashed and written to a
 *   content-addressed file (temp + rename); the window's receipts in one INSERT and its jobs in
 *   one BullMQ addBulk, ids derived from the mail ("records it, then enqueues a BullMQ job");
 * - worker: a BullMQ job that reads the raw file, parses it with mailparser, writes each
 *   attachment to the blob folder, and files the mail, a row per attachment and its 回执's
 *   outbox row in one transaction ("one transaction per message"), then adds a send job
 *   ("ack job → sender");
 * - sender: a BullMQ job that claims the outbox row, sends it with nodemailer over a pooled
 *   connection to an SMTP peer like the bench's (its own, so Baosong's 回执 are counted
 *   apart) and marks it sent ("from an outbox table … a retry or a restart never sends
 *   twice").
 *
 * If this floor is already slower than twice ceiling A, no implementation of SPEC §1 meets a
 * target of "ratio ≥ 0.5 of A" on the machine; Baosong ÷ S says how far Baosong is from it.
 */
export interface FloorResult {
  mails: number;
  /** Start → the last mail's filing committed. */
  filedSeconds: number;
  /** Start → the last 回执 accepted by the SMTP peer. */
  answeredSeconds: number;
  cpuSeconds: number;
}

/** Mails taken per FETCH and recorded per INSERT, as Baosong's poller batches small mail. */
const WINDOW = 100;
/** Jobs run at once by the floor's worker and sender, as Baosong's on 2 cores. */
const CONCURRENCY = 4;

export interface FloorOptions {
  /**
   * Start sending only once every mail is filed: the floor's fastest filing (row 3), with the
   * 回执 after it. Otherwise the two run together, as they do in Baosong (row 1).
   */
  sendAfterFiling: boolean;
}

/** One untimed pass (the JIT warm, like ceiling A), then the measured one on fresh tables and queues. */
export async function specFloorCeiling(servers: FloorServers, user: string, databaseUrl: string, dir: string, o: FloorOptions): Promise<FloorResult> {
  await floorPass(servers, user, databaseUrl, join(dir, "floor-warm"), "warm", o);
  return floorPass(servers, user, databaseUrl, join(dir, "floor"), "timed", o);
}

/** The bench's Dovecot (the run's mailbox) and Redis; the floor brings its own SMTP peer. */
export type FloorServers = Pick<BenchServers, "dovecot"> & { redis: { url: string } };

async function floorPass(servers: FloorServers, user: string, databaseUrl: string, blobDir: string, pass: string, o: FloorOptions): Promise<FloorResult> {
  const db = new pg.Pool({ connectionString: databaseUrl, max: CONCURRENCY + 1 });
  db.on("error", () => undefined);
  await createFloorTables(db);
  const prefix = `bsfloor-${pass}-${process.pid}-${Date.now()}`;
  const connection = { url: servers.redis.url, maxRetriesPerRequest: null };
  const ingestQueue = new Queue("ingest", { connection, prefix });
  const sendQueue = new Queue("send", { connection, prefix });
  const sink = await startSmtpSink();
  const transport = nodemailer.createTransport({ host: sink.host, port: sink.port, secure: false, pool: true, maxConnections: 1 });
  const client = imapClient(servers, user);
  let total = 0;
  let filed = 0;
  let answered = 0;
  let attachments = 0;
  let lastFiledAt = 0;
  let lastAnsweredAt = 0;
  let fetched = false;
  let failure: unknown = null;
  let allDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    allDone = resolve;
  });
  const check = () => {
    if (fetched && filed === total && !send.isRunning()) void send.run().catch(fail);
    if (failure || (fetched && answered === total)) allDone();
  };
  const fail = (err: unknown) => {
    failure ??= err;
    check();
  };
  const send = new Worker(
    "send",
    async (job) => {
      const { rows } = await db.query(
        "update floor_outbox set status = 'sending', claimed_at = now() where id = $1 and status = 'queued' returning to_address, subject, in_reply_to",
        [job.data.outboxId],
      );
      const row = rows[0];
      if (!row) return;
      await transport.sendMail({
        from: "bench@bench.local",
        to: row.to_address ?? "school@bench.local",
        subject: row.subject,
        text: "已收到。",
        inReplyTo: row.in_reply_to ?? undefined,
      });
      await db.query("update floor_outbox set status = 'sent', sent_at = now() where id = $1", [job.data.outboxId]);
      answered++;
      lastAnsweredAt = performance.now();
      check();
    },
    { connection, prefix, concurrency: CONCURRENCY, autorun: !o.sendAfterFiling },
  );
  const ingest = new Worker(
    "ingest",
    async (job) => {
      const raw = await readFile(join(blobDir, job.data.rawSha256));
      const parsed = await simpleParser(raw);
      const files: { filename: string; sha256: string; size: number }[] = [];
      for (const a of parsed.attachments) files.push({ filename: a.filename ?? "", ...(await putBlob(blobDir, a.content)) });
      attachments += files.length;
      const { rows } = await db.query(FILE_MAIL, [
        job.data.rawSha256,
        parsed.messageId ?? null,
        parsed.from?.value[0]?.address ?? null,
        parsed.subject ?? null,
        parsed.text ?? null,
        JSON.stringify(files),
        `回执：${parsed.subject ?? ""}`,
      ]);
      lastFiledAt = performance.now();
      await sendQueue.add("send", { outboxId: rows[0].outbox_id }, { jobId: `send-${rows[0].outbox_id}`, removeOnComplete: true });
      filed++;
      check();
    },
    { connection, prefix, concurrency: CONCURRENCY },
  );
  ingest.on("failed", (_job, err) => fail(err));
  send.on("failed", (_job, err) => fail(err));
  await mkdir(blobDir, { recursive: true });
  await client.connect();
  try {
    await client.mailboxOpen("INBOX", { readOnly: true });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let window: { uid: number; rawSha256: string; size: number }[] = [];
    const record = async () => {
      if (!window.length) return;
      const batch = window;
      window = [];
      await db.query("insert into floor_receipts (uid, raw_sha256, size_bytes) select * from unnest($1::int[], $2::text[], $3::int[]) on conflict do nothing", [
        batch.map((m) => m.uid),
        batch.map((m) => m.rawSha256),
        batch.map((m) => m.size),
      ]);
      await ingestQueue.addBulk(batch.map((m) => ({ name: "ingest", data: { rawSha256: m.rawSha256 }, opts: { jobId: m.rawSha256, removeOnComplete: true } })));
    };
    for await (const msg of client.fetch("1:*", { uid: true, source: true })) {
      if (!msg.source) throw new Error(`FETCH returned no source for UID ${msg.uid}`);
      const blob = await putBlob(blobDir, msg.source);
      window.push({ uid: msg.uid, rawSha256: blob.sha256, size: blob.size });
      total++;
      if (window.length >= WINDOW) await record();
    }
    await record();
    fetched = true;
    check();
    await done;
    if (failure) throw failure;
    const cpu = process.cpuUsage(cpu0);
    await checkFloor(db, { mails: total, attachments, arrivals: sink.arrivals.length });
    return {
      mails: total,
      filedSeconds: (lastFiledAt - t0) / 1000,
      answeredSeconds: (lastAnsweredAt - t0) / 1000,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
  } finally {
    await client.logout().catch(() => client.close());
    await ingest.close();
    await send.close();
    await ingestQueue.obliterate({ force: true }).catch(() => undefined);
    await sendQueue.obliterate({ force: true }).catch(() => undefined);
    await ingestQueue.close();
    await sendQueue.close();
    transport.close();
    await sink.close();
    await db.query(DROP_FLOOR_TABLES).catch(() => undefined);
    await db.end().catch(() => undefined);
    await rm(blobDir, { recursive: true, force: true });
  }
}

/**
 * A floor that lost or repeated work would be no floor: every mail filed once with its files,
 * and its 回执 sent once (recorded in the outbox and arrived at the peer).
 */
async function checkFloor(db: pg.Pool, expected: { mails: number; attachments: number; arrivals: number }): Promise<void> {
  const { rows } = await db.query<{ messages: number; documents: number; sent: number }>(
    `select (select count(*) from floor_messages)::int as messages, (select count(*) from floor_documents)::int as documents,
       (select count(*) from floor_outbox where status = 'sent')::int as sent`,
  );
  const seen = { mails: rows[0]!.messages, attachments: rows[0]!.documents, sent: rows[0]!.sent, arrivals: expected.arrivals };
  if (seen.mails !== expected.mails || seen.attachments !== expected.attachments || seen.sent !== expected.mails || seen.arrivals !== expected.mails)
    throw new Error(`ceiling S did not do its work once: expected ${JSON.stringify(expected)}, found ${JSON.stringify(seen)}`);
}

/** Content-addressed like Baosong's store, without its sharding: hash, temp file, rename. */
async function putBlob(dir: string, bytes: Buffer): Promise<{ sha256: string; size: number }> {
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const tmp = join(dir, `.tmp-${sha256}-${process.hrtime.bigint()}`);
  await writeFile(tmp, bytes);
  await rename(tmp, join(dir, sha256));
  return { sha256, size: bytes.length };
}

const DROP_FLOOR_TABLES = "drop table if exists floor_documents, floor_outbox, floor_messages, floor_receipts";

async function createFloorTables(db: pg.Pool): Promise<void> {
  await db.query(DROP_FLOOR_TABLES);
  await db.query(`
    create table floor_receipts (id bigserial primary key, uid int not null unique, raw_sha256 text not null, size_bytes int not null);
    create table floor_messages (id bigserial primary key, raw_sha256 text not null unique, message_id text, from_address text,
      subject text, text_body text, filed_at timestamptz not null default now());
    create table floor_documents (id bigserial primary key, message_id bigint not null references floor_messages, filename text,
      sha256 text not null, size_bytes int not null);
    create table floor_outbox (id bigserial primary key, dedupe_key text not null unique, message_id bigint references floor_messages,
      to_address text, subject text, in_reply_to text, status text not null, claimed_at timestamptz, sent_at timestamptz)`);
}

/** A mail, its files and its 回执 in one statement, so one transaction (each job runs once: checkFloor counts). */
const FILE_MAIL = `
  with m as (
    insert into floor_messages (raw_sha256, message_id, from_address, subject, text_body)
    values ($1, $2, $3, $4, $5)
    on conflict (raw_sha256) do update set raw_sha256 = excluded.raw_sha256
    returning id, message_id, from_address
  ), d as (
    insert into floor_documents (message_id, filename, sha256, size_bytes)
    select m.id, f.filename, f.sha256, f.size from m, jsonb_to_recordset($6::jsonb) as f(filename text, sha256 text, size int)
  )
  insert into floor_outbox (dedupe_key, message_id, to_address, subject, in_reply_to, status)
  select 'ack:' || $1, m.id, m.from_address, $7, m.message_id, 'queued' from m
  on conflict (dedupe_key) do update set dedupe_key = excluded.dedupe_key
  returning id as outbox_id`;
