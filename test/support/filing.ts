import { Readable } from "node:stream";
import { Job, Queue } from "bullmq";
import type { BlobStore } from "@baosong/blobs";
import type { Database } from "@baosong/db";
import { createLogger } from "@baosong/log";
import { jobIds, type JobQueues } from "@baosong/queue";
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

/** Files raw mail bytes through the real ingest processor, as the worker would on a job. */
export async function fileRawMail(t: FilingTarget, raw: Buffer, receivedAt: string, uid = 1) {
  const stored = await t.blobs.put(Readable.from([raw]));
  const data = {
    campaignId: t.campaignId,
    mailboxId: t.mailboxId,
    rawKey: stored.key,
    rawSha256: stored.sha256,
    uidValidity: 1,
    uid,
    sizeBytes: stored.size,
    internalDate: receivedAt,
  };
  const queue = new Queue("ingest", { connection: { url: t.redisUrl }, prefix: t.prefix });
  try {
    const process = createIngestProcessor({ db: t.db, blobs: t.blobs, queues: t.queues, logger: createLogger({ level: "silent" }) });
    return await process(new Job(queue, "mail.ingest", data, { jobId: jobIds.ingest(data) }));
  } finally {
    await queue.close();
  }
}
