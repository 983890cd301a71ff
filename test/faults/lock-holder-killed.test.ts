import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parallelSendsFor } from "@baosong/mail";
import { FAULT_PER_MINUTE, FAULT_TEST_TIMEOUT_MS, MAILS, sleep, startFaultWorld, type FaultWorld } from "./fault-world.ts";

const KILLS = 1;

describe("fault: two Baosong processes, the one holding the mailbox lock killed with SIGKILL", () => {
  let w: FaultWorld;
  beforeAll(async () => {
    w = await startFaultWorld("lockholder");
  }, 120_000);
  afterAll(async () => {
    await w?.close();
  }, 60_000);

  /** The pid in the poller lock's token (`host:pid:random`), once a poller holds it. */
  async function lockHolderPid(): Promise<number> {
    const redis = new Redis(w.redis.url);
    try {
      for (let i = 0; i < 600; i++) {
        const [key] = await redis.keys(`${w.prefix}:poller-lock:*`);
        const token = key ? await redis.get(key) : null;
        if (token) return Number(token.split(":")[1]);
        await sleep(100);
      }
      throw new Error("no poller took the mailbox lock");
    } finally {
      redis.disconnect();
    }
  }

  it(
    "lets the other process take the mailbox over, files every mail once and answers each once",
    async () => {
      const processes = [w.launch(), w.launch()];
      const half = Math.floor(MAILS / 2);
      await w.append(half);
      await w.filedAtLeast(Math.ceil(half / 4));
      const holderPid = await lockHolderPid();
      const holder = processes.find((p) => p.pid === holderPid);
      expect(holder).toBeDefined();
      await holder!.kill9();
      // Only the survivor can poll these.
      await w.append(MAILS - half);
      const seconds = await w.settle();
      const c = await w.counts();
      w.report("two processes, lock holder killed", c, seconds);
      expect(c).toMatchObject({ filed: MAILS, notFiledStatus: 0, duplicated: 0, owed: MAILS, sentDuplicated: 0 });
      // Never sent twice; a 回执 whose sender died between handing it over and the reply is
      // flagged for an admin: at most one per kill and SMTP connection in flight (the pace
      // decides how many connections an account keeps).
      expect(c.sent + c.unconfirmedUndelivered).toBe(MAILS);
      expect(c.unconfirmed).toBeLessThanOrEqual(KILLS * parallelSendsFor(FAULT_PER_MINUTE));
      for (const p of processes) expect(p.exits).toEqual([]);
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
