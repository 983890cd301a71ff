import { createHash } from "node:crypto";
import { UnrecoverableError, Worker, type Job } from "bullmq";
import type { SmtpConfig } from "@baosong/core";
import {
  campaignContextAt,
  claimOutbox,
  DEFAULT_CLAIM_STALE_MS,
  listDueOutbox,
  markFailed,
  markHandedOver,
  markRetry,
  markSent,
  releaseClaim,
  renewClaim,
  settleHandedOver,
  type Database,
  type OutboxRow,
} from "@baosong/db";
import type { BlobStore } from "@baosong/blobs";
import { classifyDeliveryError, parallelSendsFor, SendPacer, SmtpSender, smtpAccountOf, type SentMail } from "@baosong/mail";
import { closeBullmq, JobQueues, jobIds, jobs, redisConnection } from "@baosong/queue";
import type { Logger } from "@baosong/log";

export interface SenderSettings {
  db: Database;
  redisUrl: string;
  prefix?: string;
  blobs: BlobStore;
  logger: Logger;
  /** Where `smtp.password_env` is looked up. */
  env: Record<string, string | undefined>;
  now?: () => Date;
  /**
   * Jobs one process works on at once. Each reserves its account's next paced slot, so this
   * bounds how far ahead a process books; an account's sends overlap only as far as its
   * pace needs (`parallelSendsFor`), each on its own kept connection.
   */
  concurrency?: number;
  sweepIntervalMs?: number;
  /** A `sending` claim not renewed for this long is taken to be a dead sender's; renewed every quarter of it. */
  staleAfterMs?: number;
  /** How long an account pauses after the provider said "too fast" (发送频次过快). */
  throttlePauseMs?: number;
}

export interface SenderHandle {
  worker: Worker;
  /** One sweep now; resolves with how many rows were (re-)enqueued. */
  sweep(): Promise<number>;
  stop(): Promise<void>;
}

export type SendOutcome = { outcome: "sent"; messageId: string } | { outcome: "skipped" };

const SEND = jobs["mail.send"];

/**
 * Enough jobs in hand to keep every connection of a fast account busy while the next ones wait
 * for their slots (1,000 a second at per_minute 60 000); a slow account's jobs mostly wait.
 */
const DEFAULT_CONCURRENCY = 8;

/**
 * Runs `mail.send` jobs: claim the outbox row, send it, record the result. More processes
 * or hosts may run this on the same Redis and Postgres; the claim keeps a row to one sender,
 * and the sweeper re-enqueues rows whose job was lost.
 */
export async function startSender(s: SenderSettings): Promise<SenderHandle> {
  const logger = s.logger.child({ role: "sender" });
  const prefix = s.prefix ?? "baosong";
  const now = s.now ?? (() => new Date());
  const staleAfterMs = s.staleAfterMs ?? DEFAULT_CLAIM_STALE_MS;
  const pacerRedis = redisConnection(s.redisUrl);
  const pacer = new SendPacer(pacerRedis, prefix);
  const senders = new SenderCache(s.blobs);
  const queues = new JobQueues({ redisUrl: s.redisUrl, prefix });
  // Aborted by stop(): a send still waiting for its pace slot gives its row back instead.
  const stopping = new AbortController();

  const processJob = async (job: Job): Promise<SendOutcome> => {
    const { outboxId } = SEND.schema.parse(job.data);
    const row = await claimOutbox(s.db, outboxId, staleAfterMs);
    if (!row) {
      // Sent, failed, suppressed, or held by a live sender: nothing to do here.
      logger.debug({ msg: "outbox row not claimable", action: "mail.send", job: job.id, outbox: outboxId });
      return { outcome: "skipped" };
    }
    // Bindings rather than a child logger: a child per job cost more than the send's log line.
    const where = { action: "mail.send", job: job.id, outbox: row.id, kind: row.kind, attempt: row.attempts };
    let account: string | null = null;
    let sent: SentMail;
    const renewal = keepClaim(s.db, row, staleAfterMs / 4, logger, where);
    try {
      // The claim read the campaign row's version: a cached context costs no query.
      const { campaign } = await campaignContextAt(s.db, row.campaignId, row.campaignVersion);
      const password = s.env[campaign.smtp.password_env];
      if (!password) throw Object.assign(new Error(`environment variable ${campaign.smtp.password_env} is not set`), { code: "ENOPASSWORD" });
      account = smtpAccountOf(campaign.smtp);
      await pacer.wait(account, campaign.smtp.per_minute, stopping.signal);
      // From the end of DATA on, the server may have the mail: recorded first, so that were
      // this process to die before the reply, the row is not sent again (settleHandedOver).
      sent = await senders.for(row.campaignId, campaign.smtp, password).send(row, () => markHandedOver(s.db, row.id, row.attempts));
    } catch (err) {
      renewal.stop();
      if (stopping.signal.aborted && (err as Error).name === "AbortError") return putBack(row, where);
      return failed(job, row, err, account, logger.child(where));
    }
    // The claim stays renewed until the result is recorded: a database that is away right
    // now (a restart) must not make this row look abandoned when it comes back.
    try {
      await markSentPersistently(s.db, row.id, logger, where);
    } finally {
      renewal.stop();
    }
    logger.info({ ...where, msg: "mail sent", messageId: sent.messageId, response: sent.response });
    return { outcome: "sent", messageId: sent.messageId };
  };

  /**
   * Stopping while the row waited for its slot: nothing was sent, so the row is queued again
   * untried and this job ends; the next sender's sweep (at its start, or every few seconds in
   * another process) enqueues it again. Should the release fail, the claim goes stale and the
   * sweep takes the row all the same.
   */
  const putBack = async (row: OutboxRow, where: object): Promise<SendOutcome> => {
    const released = await releaseClaim(s.db, row.id, row.attempts).catch((err: unknown) => {
      logger.warn({ ...where, msg: "could not give back a row on stopping; it is taken again once its claim is stale", err });
      return false;
    });
    if (released) logger.info({ ...where, msg: "stopping: row given back before its turn to send" });
    return { outcome: "skipped" };
  };

  const failed = async (job: Job, row: OutboxRow, err: unknown, account: string | null, log: Logger): Promise<never> => {
    const verdict = classifyDeliveryError(err);
    if (verdict.throttled && account) await pacer.hold(account, s.throttlePauseMs ?? 60_000);
    // BullMQ increments job.attemptsMade when an attempt FAILS, not when it starts; the row
    // counts claims, and also spans jobs the sweeper re-created.
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1) || row.attempts >= SEND.attempts;
    if (verdict.permanent || lastAttempt) {
      await markFailed(s.db, row.id, verdict.message);
      log.error({ msg: "mail failed", code: verdict.code, error: verdict.message, permanent: verdict.permanent });
      throw new UnrecoverableError(verdict.message);
    }
    const retryAt = new Date(now().getTime() + retryDelayMs(job));
    await markRetry(s.db, row.id, verdict.message, retryAt);
    log.warn({ msg: "mail deferred", code: verdict.code, error: verdict.message, throttled: verdict.throttled, retryAt });
    throw new Error(verdict.message);
  };

  const worker = new Worker(SEND.queue, processJob, {
    connection: redisConnection(s.redisUrl),
    prefix,
    concurrency: s.concurrency ?? DEFAULT_CONCURRENCY,
    // Renewed every lockDuration/2 while a send lasts. A job taken for stalled while its
    // sender still sends does not send twice: the row's claim (renewed too) keeps it.
    lockDuration: 30_000,
    stalledInterval: 15_000,
  });
  worker.on("error", (err) => logger.error({ msg: "sender worker error", err }));

  let sweeping: Promise<number> | null = null;
  const sweep = (): Promise<number> => {
    sweeping ??= sweepOnce().finally(() => {
      sweeping = null;
    });
    return sweeping;
  };
  const sweepOnce = async (): Promise<number> => {
    const unconfirmed = await settleHandedOver(s.db, staleAfterMs);
    if (unconfirmed.length)
      logger.warn({ msg: "a dead sender had handed these over: taken as sent, not sent again", action: "outbox.sweep", outbox: unconfirmed });
    const due = await listDueOutbox(s.db, now(), 500, staleAfterMs);
    let added = 0;
    for (const row of due) if (await ensureJob(queues, row.id)) added++;
    if (added) logger.info({ msg: "outbox rows re-enqueued", action: "outbox.sweep", rows: added });
    return added;
  };

  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      sweep()
        .catch((err: unknown) => logger.error({ msg: "outbox sweep failed", action: "outbox.sweep", err }))
        .finally(schedule);
    }, s.sweepIntervalMs ?? 15_000);
  };
  // A restart finds what the previous run left queued.
  await sweep().catch((err: unknown) => logger.error({ msg: "outbox sweep failed", action: "outbox.sweep", err }));
  schedule();
  logger.info({ msg: "sender running", queue: SEND.queue });

  return {
    worker,
    sweep,
    async stop() {
      stopped = true;
      stopping.abort();
      if (timer) clearTimeout(timer);
      await sweeping?.catch(() => undefined);
      await closeBullmq(worker);
      senders.close();
      await queues.close();
      pacerRedis.disconnect();
    },
  };
}

/** Duplicate jobs are harmless: the row claim lets one of them send. */
function ensureJob(queues: JobQueues, outboxId: number): Promise<boolean> {
  return queues.ensure("mail.send", { outboxId }, jobIds.send({ outboxId }));
}

/**
 * Renews the row's claim while this sender works on it; a renewal that fails (a database
 * blip) is tried again on the next tick, well within the stale window.
 */
function keepClaim(db: Database, row: OutboxRow, everyMs: number, log: Logger, where: object): { stop(): void } {
  const timer = setInterval(() => {
    renewClaim(db, row.id, row.attempts)
      .then((ours) => {
        if (!ours) log.warn({ ...where, msg: "claim no longer ours while sending" });
      })
      .catch((err: unknown) => log.warn({ ...where, msg: "could not renew the claim", err }));
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** When BullMQ will run the job again, for `next_attempt_at` (the sweeper's clock). */
function retryDelayMs(job: Job): number {
  const backoff = job.opts.backoff;
  const made = job.attemptsMade + 1;
  if (typeof backoff === "number") return backoff;
  if (!backoff) return 0;
  const delay = backoff.delay ?? 0;
  return backoff.type === "exponential" ? Math.round(2 ** (made - 1) * delay) : delay;
}

/**
 * The mail is out: losing this write would send it again once the claim went stale. So keep
 * trying through a database restart or failover (the claim is renewed meanwhile, and nobody
 * can take the row while the database is away), and give up only after a long outage.
 */
async function markSentPersistently(db: Database, id: number, log: Logger, where: object): Promise<void> {
  const giveUpAt = Date.now() + MARK_SENT_PATIENCE_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      if (!(await markSent(db, id))) log.warn({ ...where, msg: "sent row was no longer claimed by this sender" });
      return;
    } catch (err) {
      if (Date.now() > giveUpAt) throw err;
      if (attempt === 1 || attempt % 10 === 0) log.warn({ ...where, msg: "could not record a sent mail, retrying", retry: attempt, err });
      await new Promise((resolve) => setTimeout(resolve, Math.min(250 * attempt, 2_000)));
    }
  }
}

const MARK_SENT_PATIENCE_MS = 10 * 60_000;

/**
 * One pooled transport per campaign, kept between sends (one login for many 回执), rebuilt
 * when its SMTP settings or password change. Its connections are as many as the campaign's
 * pace needs in flight at once; idle ones close by themselves.
 */
class SenderCache {
  private readonly entries = new Map<number, { fingerprint: string; smtp: SmtpConfig; password: string; sender: SmtpSender }>();

  constructor(private readonly blobs: BlobStore) {}

  for(campaignId: number, smtp: SmtpConfig, password: string): SmtpSender {
    const entry = this.entries.get(campaignId);
    // The cached campaign context hands over the same settings object while the campaign is
    // unchanged: then only the password (the environment may change) needs comparing.
    if (entry && entry.smtp === smtp && entry.password === password) return entry.sender;
    // A new object (the campaign was re-applied) with the same settings keeps the connections.
    const fingerprint = createHash("sha256").update(JSON.stringify(smtp)).update("\0").update(password).digest("hex");
    if (entry?.fingerprint === fingerprint) {
      Object.assign(entry, { smtp, password });
      return entry.sender;
    }
    entry?.sender.close();
    const sender = new SmtpSender(smtp, password, this.blobs, { maxConnections: parallelSendsFor(smtp.per_minute) });
    this.entries.set(campaignId, { fingerprint, smtp, password, sender });
    return sender;
  }

  close(): void {
    for (const e of this.entries.values()) e.sender.close();
    this.entries.clear();
  }
}
