import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAULT_TEST_TIMEOUT_MS, MAILS, sleep, startFaultWorld, type FaultWorld } from "./fault-world.ts";

const KILLS = 2;

describe("fault: Baosong killed with SIGKILL mid-work, then started again", () => {
  let w: FaultWorld;
  beforeAll(async () => {
    w = await startFaultWorld("kill9");
  }, 120_000);
  afterAll(async () => {
    await w?.close();
  }, 60_000);

  it(
    "takes over the dead process's jobs and claims, files every mail once and answers each once",
    async () => {
      const baosong = w.launch();
      await w.append(MAILS);
      // Once while mails are being filed, once more while 回执 go out: no shutdown code runs.
      await w.filedAtLeast(Math.ceil(MAILS / 4));
      await baosong.kill9();
      await sleep(1_000);
      baosong.start();
      await w.filedAtLeast(Math.ceil((MAILS * 3) / 4));
      await baosong.kill9();
      await sleep(1_000);
      baosong.start();
      const seconds = await w.settle();
      const c = await w.counts();
      w.report("kill -9 and restart (twice)", c, seconds);
      expect(c).toMatchObject({ filed: MAILS, notFiledStatus: 0, duplicated: 0, owed: MAILS, sentDuplicated: 0 });
      // Never sent twice; a 回执 whose sender died between handing it over and the reply is
      // flagged for an admin, at most one per kill (one SMTP connection per account).
      expect(c.sent + c.unconfirmedUndelivered).toBe(MAILS);
      expect(c.unconfirmed).toBeLessThanOrEqual(KILLS);
      expect(baosong.exits).toEqual([]);
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
