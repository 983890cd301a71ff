import { Queue, UnrecoverableError, Worker, type Job } from "bullmq";
import { closeBullmq, jobs, redisConnection } from "@baosong/queue";
import { runSchedulerOnce, type CampaignRun, type SchedulerDeps } from "./scheduler-run.ts";

export interface SchedulerSettings extends SchedulerDeps {
  redisUrl: string;
  prefix?: string;
  now?: () => Date;
  /** How often the plan job runs. Default one minute: a reminder goes out at most this late. */
  everyMs?: number;
}

export interface SchedulerHandle {
  queue: Queue;
  worker: Worker;
  stop(): Promise<void>;
}

const PLAN = jobs["outgoing.plan"];

/**
 * Runs `outgoing.plan` every `everyMs` as a BullMQ job scheduler: however many scheduler
 * processes run, Redis holds one repeating job, and one worker takes each occurrence.
 */
export async function startScheduler(s: SchedulerSettings): Promise<SchedulerHandle> {
  const logger = s.logger.child({ role: "scheduler" });
  const prefix = s.prefix ?? "baosong";
  const now = s.now ?? (() => new Date());
  const deps: SchedulerDeps = { ...s, logger };

  const queueConnection = redisConnection(s.redisUrl);
  const queue = new Queue(PLAN.queue, { connection: queueConnection, prefix });
  await queue.upsertJobScheduler(
    "outgoing.plan",
    { every: s.everyMs ?? 60_000 },
    {
      name: "outgoing.plan",
      data: {},
      opts: { attempts: PLAN.attempts, backoff: { type: "exponential", delay: 5_000 }, removeOnComplete: { count: 100 }, removeOnFail: { count: 500 } },
    },
  );

  const worker = new Worker(
    PLAN.queue,
    async (job: Job): Promise<CampaignRun[]> => {
      if (job.name !== "outgoing.plan") throw new UnrecoverableError(`no handler for job ${job.name} on queue ${PLAN.queue}`);
      PLAN.schema.parse(job.data);
      return runSchedulerOnce(deps, now());
    },
    {
      connection: redisConnection(s.redisUrl),
      prefix,
      concurrency: 1,
      // Lock duration must exceed the longest run (a digest workbook per campaign), or the run
      // is taken for stalled and started again beside itself (harmless, but wasted).
      lockDuration: 5 * 60_000,
    },
  );
  worker.on("failed", (job, err) => logger.error({ msg: "outgoing planning failed", action: "outgoing.plan", job: job?.id, err }));
  worker.on("error", (err) => logger.error({ msg: "scheduler worker error", err }));
  logger.info({ msg: "scheduler running", queue: PLAN.queue, everyMs: s.everyMs ?? 60_000 });

  return {
    queue,
    worker,
    async stop() {
      await closeBullmq(worker);
      await closeBullmq(queue);
      queueConnection.disconnect();
    },
  };
}
