import { Worker, type Job } from "bullmq";
import { finding } from "@baosong/core";
import { fileMessage, type Database } from "@baosong/db";
import type { BlobStore } from "@baosong/blobs";
import { DocumentParser } from "@baosong/documents";
import { closeBullmq, jobs, redisConnection, type JobQueues } from "@baosong/queue";
import type { Logger } from "@baosong/log";
import { createIngestProcessor, type IngestDeps } from "./ingest.ts";

export interface WorkerSettings {
  db: Database;
  blobs: BlobStore;
  queues: JobQueues;
  logger: Logger;
  redisUrl: string;
  prefix?: string;
  concurrency?: number;
  /** DNS for our own DKIM/DMARC check (default: the system's); tests inject one. */
  dnsResolver?: IngestDeps["dnsResolver"];
}

export interface WorkerHandle {
  worker: Worker;
  stop(): Promise<void>;
}

/** Runs `mail.ingest` jobs. More processes or hosts may run this on the same Redis and Postgres. */
export function startWorker(s: WorkerSettings): WorkerHandle {
  const logger = s.logger.child({ role: "worker" });
  const parser = new DocumentParser({
    mode: "thread",
    onThreadUnavailable: (err) => logger.warn({ msg: "parser thread unavailable, reading on the main loop", err }),
  });
  const process = createIngestProcessor({ ...s, logger, parser });
  const worker = new Worker(jobs["mail.ingest"].queue, process, {
    connection: redisConnection(s.redisUrl),
    prefix: s.prefix ?? "baosong",
    concurrency: s.concurrency ?? 2,
    // Lock duration must exceed the longest parse of one mail (a large attachment), or the
    // job is deemed stalled and handed to another worker mid-filing.
    lockDuration: 5 * 60_000,
  });
  worker.on("failed", (job, err) => {
    if (!job) return;
    const final = err.name === "UnrecoverableError" || job.attemptsMade >= (job.opts.attempts ?? 1);
    logger.error({ msg: "ingest failed", action: "mail.ingest", job: job.id, final, err });
    if (final) void recordUnfiled(s.db, job).catch((e) => logger.error({ msg: "could not record failed mail", err: e }));
  });
  worker.on("error", (err) => logger.error({ msg: "worker error", err }));
  return {
    worker,
    stop: async () => {
      await closeBullmq(worker);
      await parser.close();
    },
  };
}

/** SPEC §8: every mail gets a terminal state. A mail that could not be filed is kept as `failed`. */
async function recordUnfiled(db: Database, job: Job): Promise<void> {
  const data = jobs["mail.ingest"].schema.parse(job.data);
  await fileMessage(
    db,
    {
      campaignId: data.campaignId,
      mailboxId: data.mailboxId,
      rawSha256: data.rawSha256,
      rawKey: data.rawKey,
      messageId: `sha256-${data.rawSha256.slice(0, 32)}@baosong.invalid`,
      receivedAt: new Date(data.internalDate),
      sizeBytes: data.sizeBytes,
      status: "failed",
    },
    [],
    [{ ...finding("error", "mail_unreadable", "系统未能读取这封邮件，已原样保存，管理员会人工处理。", null), position: null }],
    [],
    async () => undefined,
  );
}
