import { advanceLastUid, findReceiptsInRange, findResyncMatches, listFiledRawSha256s, recordReceipts, type NewMailReceipt } from "@baosong/db";
import { keyOf, storeBytes, type StoredBlob } from "@baosong/blobs";
import { jobIds, type IngestJob } from "@baosong/queue";
import type { SweepContext } from "./mailbox-sweep.ts";
import { batchPlans, defaultBatchLimits, planMail, uidSet, type ListedMail, type MailPlan } from "./sweep-plan.ts";

/**
 * Securing a listed window of new mail, batch by batch: one FETCH brings the bytes of a
 * batch's small mails, stored with a few blob writes in flight; large mails are downloaded
 * alone in chunks. Then one INSERT records the batch's receipts, one enqueue adds its jobs,
 * and last_uid moves to its highest UID — only then, so a crash between the steps repeats at
 * most a harmless enqueue (the job ids dedupe) and never skips a mail (SPEC §8). The next
 * batch is fetched while the previous one is recorded.
 */

/** Blob writes in flight while a batch FETCH streams in. */
const PUTS_IN_FLIGHT = 4;
/**
 * Large mails (videos of hundreds of MB) come in pieces of this size, never whole. Each piece
 * is one FETCH round trip, which counts against a distant server like imap.qq.com: a 5 MB
 * mail of photos takes five at 1 MB (twenty at 256 KB), and 1 MB in memory stays bounded.
 */
const DOWNLOAD_CHUNK = 1024 * 1024;

interface ReceiptFacts {
  uidValidity: number;
  uid: number;
  rawSha256: string;
  sizeBytes: number;
  internalDate: Date;
}

/** What securing one mail of a batch came to; outcomes go in UID order. */
type Outcome =
  | { uid: number; receipt: NewMailReceipt | null; job: ReceiptFacts; unlessFiled: boolean }
  /** Deleted from the mailbox before it could be secured: nothing to record, last_uid passes it. */
  | { uid: number; receipt: null; job: null; unlessFiled: false };

/** Returns how many mails were secured; the problems an admin should know are added to `problems`. */
export async function secureWindow(c: SweepContext, uidValidity: number, listed: readonly ListedMail[], problems: string[]): Promise<number> {
  const limits = c.batchLimits ?? defaultBatchLimits;
  const plans = await planWindow(c, uidValidity, listed);
  let secured = 0;
  let committing: Promise<void> = Promise.resolve();
  try {
    for (const batch of batchPlans(plans, limits)) {
      if (c.signal.aborted) break;
      const outcomes = await secureBatch(c, uidValidity, batch, problems);
      // Batches are recorded in UID order: last_uid never passes a batch still being recorded.
      await committing;
      if (!outcomes.length) break;
      committing = recordBatch(c, uidValidity, outcomes).then(() => {
        secured += outcomes.length;
      });
      // Awaited before the next batch or in `finally`; until then a failure must not count as unhandled.
      committing.catch(() => undefined);
      if (outcomes.length < batch.length) break;
    }
    await committing;
  } finally {
    await committing.catch(() => undefined);
  }
  return secured;
}

/** Three look-ups for the whole window instead of three per mail. */
async function planWindow(c: SweepContext, uidValidity: number, listed: readonly ListedMail[]): Promise<MailPlan[]> {
  if (!listed.length) return [];
  const receipts = await findReceiptsInRange(c.db, c.mailboxId, uidValidity, listed[0]!.uid, listed.at(-1)!.uid);
  const recorded = new Map(receipts.map((r) => [r.uid, r]));
  const candidates = listed.flatMap((m) =>
    !recorded.has(m.uid) && m.messageId && m.size !== null ? [{ messageIdHeader: m.messageId, sizeBytes: m.size }] : [],
  );
  // After a UIDVALIDITY change the same mails come back under new UIDs: known by Message-ID
  // and size, they are recorded without downloading them again.
  const resynced = await findResyncMatches(c.db, c.mailboxId, candidates, uidValidity);
  return listed.map((m) => planMail(m, recorded, resynced, c.batchLimits ?? defaultBatchLimits));
}

/**
 * Brings a batch's bytes into the blob store. Returns the outcomes of the batch's first mails
 * up to the first one not secured: all of them, unless the sweep was stopped part way.
 */
async function secureBatch(c: SweepContext, uidValidity: number, batch: readonly MailPlan[], problems: string[]): Promise<Outcome[]> {
  const stored = await fetchSmallMail(
    c,
    batch.flatMap((p) => (p.kind === "fetch" ? [p.mail] : [])),
  );
  const outcomes: Outcome[] = [];
  for (const plan of batch) {
    const { mail } = plan;
    if (plan.kind === "recorded") {
      outcomes.push({ uid: mail.uid, receipt: null, job: plan.receipt, unlessFiled: true });
      continue;
    }
    if (plan.kind === "resynced") {
      const receipt = receiptOf(c, uidValidity, mail, plan.match.rawSha256, plan.match.sizeBytes);
      c.logger.debug({ msg: "mail recognised after resync", action: "mail.resync", uid: mail.uid, rawSha256: receipt.rawSha256 });
      outcomes.push({ uid: mail.uid, receipt, job: receipt, unlessFiled: true });
      continue;
    }
    if (c.signal.aborted && !stored.has(mail.uid)) break;
    // A small mail the batch FETCH did not bring goes the way of a large one.
    const blob = stored.get(mail.uid) ?? (await downloadOne(c, mail));
    if (!blob) {
      problems.push(await reportVanished(c, mail));
      outcomes.push({ uid: mail.uid, receipt: null, job: null, unlessFiled: false });
      continue;
    }
    warnOnSizeMismatch(c, mail, blob);
    // The server's size in the receipt, as a resync compares it without downloading.
    const receipt = receiptOf(c, uidValidity, mail, blob.sha256, mail.size ?? blob.size);
    outcomes.push({ uid: mail.uid, receipt, job: { ...receipt, sizeBytes: blob.size }, unlessFiled: false });
  }
  return outcomes;
}

/**
 * One FETCH for the sources of the batch's small mails. imapflow's fetch iterator must be
 * consumed to its end before the next command on the connection; its backpressure holds the
 * FETCH while the blob writes in flight are at their limit, so memory stays bounded.
 */
async function fetchSmallMail(c: SweepContext, mails: readonly ListedMail[]): Promise<Map<number, StoredBlob>> {
  const stored = new Map<number, StoredBlob>();
  if (!mails.length) return stored;
  const wanted = new Map(mails.map((m) => [m.uid, m]));
  const writes = new TaskLimiter(PUTS_IN_FLIGHT);
  try {
    for await (const m of c.client.fetch(uidSet([...wanted.keys()]), { uid: true, source: true }, { uid: true })) {
      if (c.signal.aborted || writes.failed) break;
      const source = m.source;
      // Unsolicited rows (a flag change meanwhile) carry no source.
      if (!source || !wanted.delete(m.uid)) continue;
      await writes.run(async () => {
        stored.set(m.uid, await storeBytes(c.blobs, source));
      });
    }
  } finally {
    await writes.settle();
  }
  writes.throwIfFailed();
  return stored;
}

async function downloadOne(c: SweepContext, mail: ListedMail): Promise<StoredBlob | null> {
  const download = await c.client.download(String(mail.uid), undefined, { uid: true, chunkSize: DOWNLOAD_CHUNK });
  if (!download.content) return null;
  return c.blobs.put(download.content);
}

/** One INSERT, one enqueue, then last_uid: a batch is secured only when all three are done. */
async function recordBatch(c: SweepContext, uidValidity: number, outcomes: readonly Outcome[]): Promise<void> {
  await recordReceipts(
    c.db,
    outcomes.flatMap((o) => (o.receipt ? [o.receipt] : [])),
  );
  const jobs = outcomes.flatMap((o) => (o.job ? [{ facts: o.job, unlessFiled: o.unlessFiled }] : []));
  const filed = await listFiledRawSha256s(
    c.db,
    c.mailboxId,
    jobs.filter((j) => j.unlessFiled).map((j) => j.facts.rawSha256),
  );
  const entries = jobs
    .filter((j) => !(j.unlessFiled && filed.has(j.facts.rawSha256)))
    .map((j) => ingestJobOf({ ...j.facts, campaignId: c.campaignId, mailboxId: c.mailboxId }))
    .map((data) => ({ data, jobId: jobIds.ingest(data) }));
  await c.queues.addBulk("mail.ingest", entries);
  await advanceLastUid(c.db, c.mailboxId, uidValidity, outcomes.at(-1)!.uid);
}

function receiptOf(c: SweepContext, uidValidity: number, mail: ListedMail, rawSha256: string, sizeBytes: number): NewMailReceipt {
  return { mailboxId: c.mailboxId, uidValidity, uid: mail.uid, rawSha256, messageIdHeader: mail.messageId, sizeBytes, internalDate: mail.internalDate };
}

function warnOnSizeMismatch(c: SweepContext, mail: ListedMail, blob: StoredBlob): void {
  if (mail.size === null || blob.size === mail.size) return;
  c.logger.warn({
    msg: "downloaded size differs from the size the server reported",
    action: "mail.secure",
    uid: mail.uid,
    reported: mail.size,
    stored: blob.size,
  });
}

/** The `mail.ingest` job of a secured mail: the poller's, and the worker's sweep for lost jobs. */
export function ingestJobOf(r: ReceiptFacts & { campaignId: number; mailboxId: number }): IngestJob {
  return {
    campaignId: r.campaignId,
    mailboxId: r.mailboxId,
    rawKey: keyOf(r.rawSha256),
    rawSha256: r.rawSha256,
    uidValidity: r.uidValidity,
    uid: r.uid,
    sizeBytes: r.sizeBytes,
    internalDate: r.internalDate.toISOString(),
  };
}

/**
 * The server listed the mail but has nothing to download. If it is really gone (someone
 * deleted it in webmail meanwhile) nothing can secure it, and waiting for it would stall the
 * mailbox: say so loudly and move on. If it is still there, fail the sweep and try again.
 */
async function reportVanished(c: SweepContext, mail: ListedMail): Promise<string> {
  const still = await c.client.fetchOne(String(mail.uid), { uid: true }, { uid: true });
  if (still) throw new Error(`the server returned no content for UID ${mail.uid}; it will be tried again`);
  c.logger.error({ msg: "mail removed before it could be secured", action: "mail.secure", uid: mail.uid, messageId: mail.messageId });
  return `UID ${mail.uid} (Message-ID ${mail.messageId ?? "none"}) was removed from the mailbox before it could be secured`;
}

/** Runs at most `limit` tasks at once; the first failure is kept and stops new ones. */
class TaskLimiter {
  private readonly running = new Set<Promise<void>>();
  private error: unknown = null;
  failed = false;

  constructor(private readonly limit: number) {}

  /** Resolves once the task has started: a caller waiting here is held back. */
  async run(task: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.limit) await Promise.race(this.running);
    if (this.failed) return;
    const p: Promise<void> = task()
      .catch((err: unknown) => {
        if (!this.failed) this.error = err;
        this.failed = true;
      })
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }

  async settle(): Promise<void> {
    await Promise.all(this.running);
  }

  throwIfFailed(): void {
    if (this.failed) throw this.error;
  }
}
