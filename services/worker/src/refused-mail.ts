import { UnrecoverableError } from "bullmq";
import { ingestFailureVerdict, type FilingPlan, type Finding } from "@baosong/core";
import type { BlobStore } from "@baosong/blobs";
import { salvageHeaders, type ReadMessage } from "@baosong/mail";

export interface ReadOutcome {
  read: ReadMessage;
  /** Set when mailparser refused the mail for good: it is filed `rejected` with this finding. */
  rejection: Finding | null;
}

/**
 * Reads the stored mail. A failure the same bytes would cause again (beyond mailparser's
 * limits) is not retried: the mail's top-level header is salvaged so the rejection is filed
 * under its sender and answered. Any other failure is thrown, and the job retries.
 */
export async function readOrRefuse(blobs: BlobStore, rawKey: string, readIt: () => Promise<ReadMessage>): Promise<ReadOutcome> {
  try {
    return { read: await readIt(), rejection: null };
  } catch (err) {
    const verdict = ingestFailureVerdict(err);
    if (verdict.retry) throw err;
    try {
      return { read: await salvageHeaders(blobs.open(rawKey), blobs), rejection: verdict.finding };
    } catch (salvageErr) {
      // Not even the header can be read: retrying reads the same bytes. The worker's
      // 'failed' handler files it as `failed`, kept for an admin.
      if (ingestFailureVerdict(salvageErr).retry) throw salvageErr;
      throw new UnrecoverableError(`mail refused by the parser and its header unreadable: ${(err as Error).message}`);
    }
  }
}

/** A refused mail: filed `rejected`, the refusal first among its findings (the 回执 leads with it). */
export function rejectedPlan(plan: FilingPlan, rejection: Finding): FilingPlan {
  return { ...plan, status: "rejected", findings: [{ ...rejection, position: null }, ...plan.findings] };
}
