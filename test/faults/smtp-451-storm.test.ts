import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAULT_TEST_TIMEOUT_MS, MAILS, startFaultWorld, type FaultWorld } from "./fault-world.ts";

describe("fault: the SMTP server answers 451 to a storm of deliveries", () => {
  let w: FaultWorld;
  beforeAll(async () => {
    w = await startFaultWorld("smtp451");
  }, 120_000);
  afterAll(async () => {
    await w?.close();
  }, 60_000);

  it(
    "retries until every 回执 is delivered, each once",
    async () => {
      // The next deliveries, as many as half the mails, are refused with a temporary error.
      const storm = Math.ceil(MAILS / 2);
      w.peer.refuseNext(storm, { code: 451, message: "4.3.0 Requested action aborted: local error in processing" });
      const baosong = w.launch();
      await w.append(MAILS);
      const seconds = await w.settle();
      const c = await w.counts();
      w.report(`SMTP 451 storm (${w.peer.refused.length} refused)`, c, seconds);
      expect(w.peer.refused).toHaveLength(storm);
      expect(c).toMatchObject({ filed: MAILS, notFiledStatus: 0, duplicated: 0, owed: MAILS, sent: MAILS, sentDuplicated: 0, unconfirmed: 0 });
      expect(baosong.exits).toEqual([]);
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
