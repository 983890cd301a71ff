import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAULT_TEST_TIMEOUT_MS, MAILS, sleep, startFaultWorld, type FaultWorld } from "./fault-world.ts";

describe("fault: Redis restarted (no persistence) while ingest jobs wait", () => {
  let w: FaultWorld;
  beforeAll(async () => {
    w = await startFaultWorld("redis");
  }, 120_000);
  afterAll(async () => {
    await w?.close();
  }, 60_000);

  it(
    "files every mail once and answers each once, and plans again, by itself",
    async () => {
      // The poller secures and enqueues every mail; no worker runs yet, so every job waits.
      const poller = w.launch("poller,scheduler");
      await w.append(MAILS);
      await w.securedAtLeast(MAILS);
      await w.redis.restart(1_000);
      // Every waiting job is gone now, and so is the scheduler's job scheduler.
      const workers = w.launch("worker,sender");
      const seconds = await w.settle();
      const c = await w.counts();
      w.report("Redis restart with all ingest jobs waiting", c, seconds);
      expect(c).toMatchObject({ filed: MAILS, notFiledStatus: 0, duplicated: 0, owed: MAILS, sent: MAILS, sentDuplicated: 0, unconfirmed: 0 });
      expect(await schedulerBack()).toBe(true);
      expect(poller.exits).toEqual([]);
      expect(workers.exits).toEqual([]);
    },
    FAULT_TEST_TIMEOUT_MS,
  );

  async function schedulerBack(): Promise<boolean> {
    const queue = new Queue("schedule", { connection: { url: w.redis.url }, prefix: w.prefix });
    try {
      for (let i = 0; i < 300; i++) {
        if (await queue.getJobScheduler("outgoing.plan")) return true;
        await sleep(200);
      }
      return false;
    } finally {
      await queue.close();
    }
  }
});
