import { z } from "zod";

/**
 * The job catalogue: every job name with its payload schema and retry settings. A service
 * refuses to start a worker for a name that is not here.
 */
export const jobs = {
  /** A raw mail secured in the blob store, to be understood and filed. */
  "mail.ingest": {
    queue: "ingest",
    schema: z.object({
      campaignId: z.number().int(),
      mailboxId: z.number().int(),
      rawKey: z.string().regex(/^sha256:[0-9a-f]{64}$/),
      rawSha256: z.string().regex(/^[0-9a-f]{64}$/),
      uidValidity: z.number().int(),
      uid: z.number().int(),
      sizeBytes: z.number().int().nonnegative(),
      internalDate: z.string(),
    }),
    attempts: 8,
  },
  /** An outbox row to deliver by SMTP. */
  "mail.send": {
    queue: "send",
    schema: z.object({ outboxId: z.number().int() }),
    attempts: 10,
  },
  /** Plan and queue the reminders, overdue notices and digests that fell due (a repeating job). */
  "outgoing.plan": { queue: "schedule", schema: z.object({}), attempts: 3 },
} as const;

export type JobName = keyof typeof jobs;
export type JobData<N extends JobName> = z.infer<(typeof jobs)[N]["schema"]>;
export type IngestJob = JobData<"mail.ingest">;
export type SendJob = JobData<"mail.send">;

/**
 * Job ids derive from what the job is about, so a repeated enqueue is dropped by BullMQ.
 * (BullMQ forbids ':' in custom ids.)
 */
export const jobIds = {
  ingest: (d: Pick<IngestJob, "mailboxId" | "rawSha256">) => `ingest-${d.mailboxId}-${d.rawSha256}`,
  send: (d: SendJob) => `send-${d.outboxId}`,
};
