import { Queue, type ConnectionOptions, type JobsOptions } from "bullmq";
import { Redis } from "ioredis";
import { jobs, type JobData, type JobName } from "./jobs.ts";

export interface QueueSettings {
  redisUrl: string;
  /** Key prefix in Redis; tests use their own so they never see each other's jobs. */
  prefix?: string;
}

/** BullMQ needs `maxRetriesPerRequest: null` on worker connections, or a blocked read throws. */
export function redisConnection(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
  // While Redis is down ioredis reconnects by itself and the commands waiting on it fail in
  // their callers; without a listener it also prints "Unhandled error event" on every try.
  // /healthz and the pollers' heartbeat are where an outage shows.
  redis.on("error", () => undefined);
  return redis;
}

export function connectionOf(settings: QueueSettings): { connection: ConnectionOptions; prefix: string } {
  return { connection: redisConnection(settings.redisUrl), prefix: settings.prefix ?? "baosong" };
}

/** Where jobs are added. One instance per process; `close()` on shutdown. */
export class JobQueues {
  private readonly queues = new Map<string, Queue>();
  private readonly connection: Redis;

  constructor(private readonly settings: QueueSettings) {
    this.connection = redisConnection(settings.redisUrl);
  }

  queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.connection, prefix: this.settings.prefix ?? "baosong" });
      this.queues.set(name, q);
    }
    return q;
  }

  async add<N extends JobName>(name: N, data: JobData<N>, jobId: string, extra: JobsOptions = {}): Promise<void> {
    const spec = jobs[name];
    await this.queue(spec.queue).add(name, spec.schema.parse(data), { ...jobOptions(name, jobId), ...extra });
  }

  /**
   * Adds many jobs of one name in one round trip (a MULTI), each under its own id: an id
   * already there is dropped, as with `add`. A burst of mail is enqueued per batch this way.
   */
  async addBulk<N extends JobName>(name: N, entries: readonly { data: JobData<N>; jobId: string }[]): Promise<void> {
    if (!entries.length) return;
    const spec = jobs[name];
    await this.queue(spec.queue).addBulk(entries.map((e) => ({ name, data: spec.schema.parse(e.data), opts: jobOptions(name, e.jobId) })));
  }

  /**
   * Makes sure a job will run for this id. A waiting, delayed or active job will; a finished
   * one (kept for a week so repeated enqueues stay no-ops) would swallow a plain re-add, so it
   * is removed first. Returns whether a job was added. Sweeps use this to re-plan work whose
   * job was lost (a Redis restart); the work itself must be idempotent, as a duplicate runs
   * when a job finishes between the look and the add.
   */
  async ensure<N extends JobName>(name: N, data: JobData<N>, jobId: string): Promise<boolean> {
    const queue = this.queue(jobs[name].queue);
    // The state alone, in one script call: sweeps ask this for hundreds of waiting jobs.
    const state = await queue.getJobState(jobId);
    if (state !== "completed" && state !== "failed" && state !== "unknown") return false;
    // Also when "unknown": a job hash left in no list would swallow the add.
    await queue.remove(jobId).catch(() => undefined);
    await this.add(name, data, jobId);
    return true;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => closeBullmq(q)));
    this.connection.disconnect();
  }
}

function jobOptions(name: JobName, jobId: string): JobsOptions {
  return {
    jobId,
    attempts: jobs[name].attempts,
    backoff: { type: "exponential", delay: 2_000 },
    // Keep finished jobs for a while so a repeated enqueue of the same id stays a no-op.
    removeOnComplete: { age: 7 * 24 * 3600, count: 50_000 },
    removeOnFail: { age: 30 * 24 * 3600 },
  };
}

/** How long a shutdown waits for a connection that is still being made. */
const READY_WAIT_MS = 5_000;

/**
 * Closes a BullMQ Queue or Worker safely. BullMQ trap (5.81): closing one whose connection is
 * still initializing removes the connection's error listeners, and the init that then fails
 * ("Connection is closed") is emitted as an unhandled 'error' that kills the process — a
 * SIGTERM right after start exited 1. So wait until it is ready (or has given up, or a few
 * seconds passed when Redis is unreachable), then close.
 */
export async function closeBullmq(x: { waitUntilReady(): Promise<unknown>; close(): Promise<void> }): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    x.waitUntilReady().catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, READY_WAIT_MS);
    }),
  ]);
  clearTimeout(timer);
  await x.close();
}
