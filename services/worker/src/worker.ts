import { Worker, type Job } from "bullmq";
import { finding } from "@baosong/core";
import { closeGrant, fileMessage, type Database } from "@baosong/db";
import type { BlobStore } from "@baosong/blobs";
import { DocumentParser, defaultParserThreads } from "@baosong/documents";
import { closeBullmq, jobs, redisConnection, type JobQueues } from "@baosong/queue";
import type { Logger } from "@baosong/log";
import { createIngestProcessor, type IngestDeps } from "./ingest.ts";
import { startIngestSweep } from "./ingest-sweep.ts";

export interface WorkerSettings {
  db: Database;
  blobs: BlobStore;
  queues: JobQueues;
  logger: Logger;
  redisUrl: string;
  prefix?: string;
  /** Mails filed at once by this process; workerConcurrency(parserThreads) by default. */
  concurrency?: number;
  /** Files read at once, each in a thread started when a file comes; defaultParserThreads() by default. */
  parserThreads?: number;
  /** DNS for our own DKIM/DMARC check (default: the system's); tests inject one. */
  dnsResolver?: IngestDeps["dnsResolver"];
  /** How often secured mails without a filing get their job again (a Redis restart lost it). */
  sweepIntervalMs?: number;
}

export interface WorkerHandle {
  worker: Worker;
  /** One ingest sweep now; resolves with how many jobs were (re-)created. */
  sweep(): Promise<number>;
  stop(): Promise<void>;
}

/** Runs `mail.ingest` jobs. More processes or hosts may run this on the same Redis and Postgres. */
export function startWorker(s: WorkerSettings): WorkerHandle {
  const logger = s.logger.child({ role: "worker" });
  const parserThreads = s.parserThreads ?? defaultParserThreads();
  const parser = new DocumentParser({
    mode: "thread",
    threads: parserThreads,
    onThreadUnavailable: (err) => logger.warn({ msg: "parser thread unavailable, reading on the main loop", err }),
  });
  const process = createIngestProcessor({ ...s, logger, parser });
  const worker = new Worker(jobs["mail.ingest"].queue, process, {
    connection: redisConnection(s.redisUrl),
    prefix: s.prefix ?? "baosong",
    concurrency: s.concurrency ?? workerConcurrency(parserThreads),
    // BullMQ renews the lock every lockDuration/2 from this event loop while the job runs,
    // however long the mail takes; files are parsed in the parser thread, so a large workbook
    // does not hold the loop past a renewal. A short lock is what lets a killed worker's job
    // be taken over within about a minute (lock expiry + a stalled check). Should a renewal
    // still be missed, the job runs twice and files once.
    lockDuration: 30_000,
    stalledInterval: 15_000,
    // A worker killed twice in the middle of the same mail is no reason to give the mail up.
    maxStalledCount: 5,
  });
  worker.on("failed", (job, err) => {
    if (!job) return;
    const final = err.name === "UnrecoverableError" || job.attemptsMade >= (job.opts.attempts ?? 1);
    logger.error({ msg: "ingest failed", action: "mail.ingest", job: job.id, final, err });
    if (final) void recordUnfiled(s.db, job).catch((e) => logger.error({ msg: "could not record failed mail", err: e }));
  });
  worker.on("error", (err) => logger.error({ msg: "worker error", err }));
  const sweep = startIngestSweep({ db: s.db, queues: s.queues, logger, intervalMs: s.sweepIntervalMs });
  return {
    worker,
    sweep: sweep.sweep,
    stop: async () => {
      await sweep.stop();
      await closeBullmq(worker);
      await parser.close();
    },
  };
}

/**
 * Two mails per parser thread: a mail spends its time by turns on this loop (mailparser, the
 * blob store, Postgres round trips) and in a parser thread, so while one mail's files are read
 * another is parsed or filed. Nothing here is global to the process or the host, so a second
 * worker process adds as much again until Postgres or the disk is the limit.
 */
export function workerConcurrency(parserThreads: number): number {
  return Math.max(2, 2 * parserThreads);
}

/** SPEC §8: every mail gets a terminal state. A mail that could not be filed is kept as `failed`. */
async function recordUnfiled(db: Database, job: Job): Promise<void> {
  const data = jobs["mail.ingest"].schema.parse(job.data);
  await fileMessage(db, {
    message: {
      campaignId: data.campaignId,
      mailboxId: data.mailboxId,
      rawSha256: data.rawSha256,
      rawKey: data.rawKey,
      messageId: `sha256-${data.rawSha256.slice(0, 32)}@baosong.invalid`,
      receivedAt: new Date(data.internalDate),
      sizeBytes: data.sizeBytes,
      status: "failed",
    },
    documents: [],
    findings: [{ ...finding("error", "mail_unreadable", "系统未能读取这封邮件，已原样保存，管理员会人工处理。", null), position: null }],
    largeAttachments: [],
  });
  await closeGrant(db, data.mailboxId, data.rawSha256);
}
