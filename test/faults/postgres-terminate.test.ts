import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAULT_TEST_TIMEOUT_MS, MAILS, sleep, startFaultWorld, type FaultWorld } from "./fault-world.ts";

describe("fault: Postgres backends terminated again and again (pg_terminate_backend loops)", () => {
  let w: FaultWorld;
  beforeAll(async () => {
    w = await startFaultWorld("pgkill");
  }, 120_000);
  afterAll(async () => {
    await w?.close();
  }, 60_000);

  it(
    "keeps every process up, files every mail once and answers each once",
    async () => {
      const baosong = w.launch();
      await w.append(MAILS);
      await w.filedAtLeast(Math.ceil(MAILS / 10));
      // Every connection Baosong holds is cut, mid-transaction or idle, every 300 ms for 8 s.
      let terminated = 0;
      for (const until = Date.now() + 8_000; Date.now() < until; await sleep(300)) terminated += await w.pg.terminateBackends("baosong_fault");
      expect(terminated).toBeGreaterThan(0);
      const seconds = await w.settle();
      const c = await w.counts();
      w.report(`pg_terminate_backend loop (${terminated} backends cut)`, c, seconds);
      expect(c).toMatchObject({ filed: MAILS, notFiledStatus: 0, duplicated: 0, owed: MAILS, sent: MAILS, sentDuplicated: 0, unconfirmed: 0 });
      expect(baosong.exits).toEqual([]);
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
