import { listUnfiledReceipts, type Database } from "@baosong/db";
import { jobIds, type JobQueues } from "@baosong/queue";
import type { Logger } from "@baosong/log";
import { ingestJobOf } from "@baosong/mail";

export interface IngestSweepSettings {
  db: Database;
  queues: Pick<JobQueues, "ensure">;
  logger: Logger;
  /** How often to look; also runs once at start. */
  intervalMs?: number;
}

export interface IngestSweep {
  /** One pass now; resolves with how many jobs were (re-)created. */
  sweep(): Promise<number>;
  stop(): Promise<void>;
}

const PAGE = 500;

/**
 * The poller secures a mail (raw bytes, receipt), enqueues its job, then advances last_uid.
 * A job lost after that — Redis restarted without persistence, or a crash between receipt and
 * enqueue — would leave the mail unfiled for good. This sweep gives every secured mail that is
 * not filed its job again, under the same id, so where the job still exists nothing changes.
 */
export function startIngestSweep(s: IngestSweepSettings): IngestSweep {
  const log = s.logger.child({ action: "ingest.sweep" });
  let running: Promise<number> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  const sweepOnce = async (): Promise<number> => {
    let added = 0;
    let after: { mailboxId: number; rawSha256: string } | undefined;
    for (;;) {
      const page = await listUnfiledReceipts(s.db, PAGE, after);
      for (const r of page) {
        const job = ingestJobOf(r);
        if (await s.queues.ensure("mail.ingest", job, jobIds.ingest(job))) added++;
      }
      if (page.length < PAGE || stopped) break;
      after = page[page.length - 1];
    }
    if (added) log.warn({ msg: "secured mails without a job were enqueued again", jobs: added });
    return added;
  };
  const sweep = (): Promise<number> => {
    running ??= sweepOnce().finally(() => {
      running = null;
    });
    return running;
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      sweep()
        .catch((err: unknown) => log.error({ msg: "ingest sweep failed", err }))
        .finally(schedule);
    }, s.intervalMs ?? 15_000);
  };
  // A restart finds what the previous run left unfiled.
  void sweep()
    .catch((err: unknown) => log.error({ msg: "ingest sweep failed", err }))
    .finally(schedule);

  return {
    sweep,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}
