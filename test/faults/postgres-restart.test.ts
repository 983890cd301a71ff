import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAULT_TEST_TIMEOUT_MS, MAILS, startFaultWorld, type FaultWorld } from "./fault-world.ts";

describe("fault: Postgres crash-restarted (pg_ctl stop -m immediate) while mail is filed", () => {
  let w: FaultWorld;
  beforeAll(async () => {
    w = await startFaultWorld("pgcrash");
  }, 120_000);
  afterAll(async () => {
    await w?.close();
  }, 60_000);

  it(
    "keeps every process up, files every mail once and answers each once",
    async () => {
      const baosong = w.launch();
      await w.append(MAILS);
      await w.filedAtLeast(Math.ceil(MAILS / 5));
      await w.pg.restartImmediate(3_000);
      const seconds = await w.settle();
      const c = await w.counts();
      w.report("Postgres immediate restart", c, seconds);
      expect(c).toMatchObject({ filed: MAILS, notFiledStatus: 0, duplicated: 0, owed: MAILS, sent: MAILS, sentDuplicated: 0, unconfirmed: 0 });
      expect(baosong.exits).toEqual([]);
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
