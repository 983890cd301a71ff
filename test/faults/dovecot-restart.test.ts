import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAULT_TEST_TIMEOUT_MS, MAILS, startFaultWorld, type FaultWorld } from "./fault-world.ts";

describe("fault: Dovecot restarted under the poller", () => {
  let w: FaultWorld;
  beforeAll(async () => {
    w = await startFaultWorld("dovecot");
  }, 120_000);
  afterAll(async () => {
    await w?.close();
  }, 60_000);

  it(
    "reconnects, files every mail once, before and after, and answers each once",
    async () => {
      const baosong = w.launch();
      const half = Math.floor(MAILS / 2);
      await w.append(half);
      await w.filedAtLeast(Math.ceil(half / 5));
      await w.dovecot.restart();
      // Mail that arrives after the restart must be noticed on the new connection.
      await w.append(MAILS - half);
      const seconds = await w.settle();
      const c = await w.counts();
      w.report("Dovecot restart", c, seconds);
      expect(c).toMatchObject({ filed: MAILS, notFiledStatus: 0, duplicated: 0, owed: MAILS, sent: MAILS, sentDuplicated: 0, unconfirmed: 0 });
      expect(baosong.exits).toEqual([]);
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
