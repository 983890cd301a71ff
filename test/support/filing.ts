import { Readable } from "node:stream";
import { Job, Queue } from "bullmq";
import type { BlobStore } from "@baosong/blobs";
import type { Database } from "@baosong/db";
import { createLogger } from "@baosong/log";
import { jobIds, type IngestJob, type JobQueues } from "@baosong/queue";
import { createIngestProcessor } from "@baosong/svc-worker";

export interface FilingTarget {
  db: Database;
  blobs: BlobStore;
  queues: JobQueues;
  redisUrl: string;
  prefix: string;
  campaignId: number;
  mailboxId: number;
}

/** Stores raw mail as the poller does and returns its `mail.ingest` job (UIDVALIDITY 1). */
export async function storeIngestJob(
  blobs: BlobStore,
  raw: Buffer | Readable,
  at: { campaignId: number; mailboxId: number; uid: number; internalDate: string },
): Promise<IngestJob> {
  const stored = await blobs.put(Buffer.isBuffer(raw) ? Readable.from([raw]) : raw);
  return { ...at, rawKey: stored.key, rawSha256: stored.sha256, uidValidity: 1, sizeBytes: stored.size };
}

/** Files raw mail bytes through the real ingest processor, as the worker would on a job. */
export async function fileRawMail(t: FilingTarget, raw: Buffer, receivedAt: string, uid = 1) {
  const data = await storeIngestJob(t.blobs, raw, { campaignId: t.campaignId, mailboxId: t.mailboxId, uid, internalDate: receivedAt });
  const queue = new Queue("ingest", { connection: { url: t.redisUrl }, prefix: t.prefix });
  try {
    const process = createIngestProcessor({ db: t.db, blobs: t.blobs, queues: t.queues, logger: createLogger({ level: "silent" }) });
    return await process(new Job(queue, "mail.ingest", data, { jobId: jobIds.ingest(data) }));
  } finally {
    await queue.close();
  }
}
