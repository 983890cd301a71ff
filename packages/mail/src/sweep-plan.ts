import { resyncKey, type MailReceipt } from "@baosong/db";

/**
 * What a sweep will do with each mail of a listed window, and how the mails are grouped into
 * batches: pure, so the rules can be read and tested without a server.
 */

/** A mail as the listing FETCH describes it. */
export interface ListedMail {
  uid: number;
  /** RFC822.SIZE; null when the server did not say. */
  size: number | null;
  internalDate: Date;
  messageId: string | null;
}

export type MailPlan =
  /** Recorded before a crash that came ahead of advancing last_uid: enqueue again unless filed. */
  | { kind: "recorded"; mail: ListedMail; receipt: MailReceipt }
  /** The same mail under a new UID after a UIDVALIDITY change: recorded without downloading. */
  | { kind: "resynced"; mail: ListedMail; match: MailReceipt }
  /** Small: its bytes come with the rest of its batch in one FETCH. */
  | { kind: "fetch"; mail: ListedMail }
  /** Large, or of unknown size: downloaded alone in chunks, never whole in memory. */
  | { kind: "download"; mail: ListedMail };

export interface BatchLimits {
  /** Mails per batch: one FETCH, one INSERT, one enqueue and one last_uid update each. */
  mails: number;
  /** Bytes one batch FETCH may bring: they are in memory until stored. */
  fetchBytes: number;
  /** Above this a mail is downloaded in chunks rather than fetched whole with others. */
  largeMailBytes: number;
}

const MB = 1024 * 1024;

export const defaultBatchLimits: BatchLimits = { mails: 100, fetchBytes: 8 * MB, largeMailBytes: MB };

/** `recorded` holds the window's receipts by UID; `resynced` earlier receipts by `resyncKey`. */
export function planMail(
  mail: ListedMail,
  recorded: ReadonlyMap<number, MailReceipt>,
  resynced: ReadonlyMap<string, MailReceipt>,
  limits: BatchLimits = defaultBatchLimits,
): MailPlan {
  const receipt = recorded.get(mail.uid);
  if (receipt) return { kind: "recorded", mail, receipt };
  if (mail.messageId && mail.size !== null) {
    const match = resynced.get(resyncKey({ messageIdHeader: mail.messageId, sizeBytes: mail.size }));
    if (match) return { kind: "resynced", mail, match };
  }
  if (mail.size === null || mail.size > limits.largeMailBytes) return { kind: "download", mail };
  return { kind: "fetch", mail };
}

/** Groups plans, in UID order, into batches of at most `mails` mails and `fetchBytes` fetched. */
export function batchPlans(plans: readonly MailPlan[], limits: BatchLimits = defaultBatchLimits): MailPlan[][] {
  const batches: MailPlan[][] = [];
  let batch: MailPlan[] = [];
  let bytes = 0;
  for (const plan of plans) {
    const size = plan.kind === "fetch" ? (plan.mail.size ?? 0) : 0;
    if (batch.length >= limits.mails || (batch.length && bytes + size > limits.fetchBytes)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(plan);
    bytes += size;
  }
  if (batch.length) batches.push(batch);
  return batches;
}

/** An IMAP sequence set of UIDs, runs written as ranges (`3:7,9`) to keep the command short. */
export function uidSet(uids: readonly number[]): string {
  const sorted = [...new Set(uids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j > i ? `${sorted[i]}:${sorted[j]}` : String(sorted[i]));
    i = j + 1;
  }
  return parts.join(",");
}
