import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { smallMail, typicalMail } from "../../scripts/bench/corpus.ts";
import { mailsOf } from "../../scripts/bench/drain.ts";
import { specFloorCeiling } from "../../scripts/bench/spec-floor.ts";
import { IMAP_CODE } from "../../scripts/bench/world.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { startDovecot, type Dovecot } from "../support/dovecot.ts";

const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/**
 * Ceiling S is only a floor if it does SPEC §1's work for every mail, once: it checks that
 * itself and throws otherwise. Here it runs on a few bench mails against real servers.
 */
describe("bench ceiling S (SPEC §1's floor)", { timeout: 60_000 }, () => {
  let dovecot: Dovecot;
  let t: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    dovecot = await startDovecot();
    t = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), "baosong-floor-"));
  });
  afterAll(async () => {
    await dovecot?.stop();
    await t?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    { corpus: "typical", make: typicalMail, sendAfterFiling: false },
    { corpus: "small", make: smallMail, sendAfterFiling: true },
  ])("files and answers every $corpus mail once", async ({ corpus, make, sendAfterFiling }) => {
    const user = `floor-${corpus}@test.local`;
    await dovecot.addUser(user, IMAP_CODE);
    const client = await dovecot.client(user);
    for (const m of mailsOf(make, corpus, 6)) await client.append("INBOX", m.raw);
    await client.logout();

    const floor = await specFloorCeiling({ dovecot, redis: { url: redisUrl } }, user, t.url, join(dir, corpus), { sendAfterFiling });

    expect(floor.mails).toBe(6);
    expect(floor.filedSeconds).toBeGreaterThan(0);
    if (sendAfterFiling) expect(floor.answeredSeconds).toBeGreaterThan(floor.filedSeconds);
    else expect(floor.answeredSeconds).toBeGreaterThan(0);
    // Its tables and queues are gone afterwards: the run's database holds only Baosong's.
    const { rows } = await t.pool.query("select count(*)::int as n from pg_tables where tablename like 'floor_%'");
    expect(rows[0].n).toBe(0);
  });
});
