import { Queue, UnrecoverableError, Worker, type Job } from "bullmq";
import { closeBullmq, jobs, redisConnection } from "@baosong/queue";
import type { Logger } from "@baosong/log";
import { runSchedulerOnce, type CampaignRun, type SchedulerDeps } from "./scheduler-run.ts";

export interface SchedulerSettings extends SchedulerDeps {
  redisUrl: string;
  prefix?: string;
  now?: () => Date;
  /** How often the plan job runs. Default one minute: a reminder goes out at most this late. */
  everyMs?: number;
  /** How often to check that Redis still holds the job scheduler. */
  schedulerCheckMs?: number;
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
  const everyMs = s.everyMs ?? 60_000;
  const keeper = keepJobScheduler(queue, everyMs, logger, s.schedulerCheckMs ?? 30_000);
  await keeper.ensure();
  // Redis came back (restarted, perhaps without its data): look again at once.
  queueConnection.on("ready", () => void keeper.ensure().catch(() => undefined));

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
      // Renewed every lockDuration/2 while a run lasts (a digest workbook per campaign); short,
      // so a killed scheduler's run is taken over soon. A run taken twice plans nothing twice
      // (dedupe keys under a per-campaign advisory lock).
      lockDuration: 60_000,
    },
  );
  worker.on("failed", (job, err) => logger.error({ msg: "outgoing planning failed", action: "outgoing.plan", job: job?.id, err }));
  worker.on("error", (err) => logger.error({ msg: "scheduler worker error", err }));
  logger.info({ msg: "scheduler running", queue: PLAN.queue, everyMs });

  return {
    queue,
    worker,
    async stop() {
      keeper.stop();
      await closeBullmq(worker);
      await closeBullmq(queue);
      queueConnection.disconnect();
    },
  };
}

/**
 * The job scheduler lives only in Redis: a Redis restart without persistence (or a FLUSHALL)
 * deletes it, and nothing would be planned again until a person restarted the scheduler. So
 * look for it on a timer and re-create it when gone. Only when gone: an upsert moves the next
 * occurrence, and doing it blindly on a timer could keep pushing the run away.
 */
function keepJobScheduler(queue: Queue, everyMs: number, logger: Logger, checkMs: number) {
  let checking: Promise<void> | null = null;
  let created = false;
  const ensureOnce = async () => {
    if (await queue.getJobScheduler(PLAN_SCHEDULER)) return;
    await queue.upsertJobScheduler(
      PLAN_SCHEDULER,
      { every: everyMs },
      {
        name: "outgoing.plan",
        data: {},
        opts: { attempts: PLAN.attempts, backoff: { type: "exponential", delay: 5_000 }, removeOnComplete: { count: 100 }, removeOnFail: { count: 500 } },
      },
    );
    if (created) logger.warn({ msg: "the job scheduler was gone from Redis: created again", action: "outgoing.plan" });
    created = true;
  };
  const ensure = (): Promise<void> => {
    checking ??= ensureOnce().finally(() => {
      checking = null;
    });
    return checking;
  };
  const timer = setInterval(() => {
    ensure().catch((err: unknown) => logger.warn({ msg: "could not check the job scheduler", action: "outgoing.plan", err }));
  }, checkMs);
  timer.unref();
  return { ensure, stop: () => clearInterval(timer) };
}

const PLAN_SCHEDULER = "outgoing.plan";
