import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalBlobStore } from "@baosong/blobs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "@baosong/log";
import { recordReceipt } from "@baosong/db";
import { JobQueues, jobIds } from "@baosong/queue";
import { startScheduler } from "@baosong/svc-scheduler";
import { startIngestSweep } from "../services/worker/src/ingest-sweep.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { applyTestCampaign } from "./support/campaign.ts";

const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const logger = createLogger({ level: "silent" });

/** What a Redis restart without persistence takes away: waiting jobs and the job scheduler. */
describe("work lost with Redis is planned again", () => {
  let t: TestDatabase;
  let queues: JobQueues;
  let mailboxId: number;
  let campaignId: number;
  const prefix = `bst-loss-${randomBytes(4).toString("hex")}`;

  beforeAll(async () => {
    t = await createTestDatabase();
    queues = new JobQueues({ redisUrl, prefix });
    const applied = await applyTestCampaign(t.db);
    campaignId = applied.id;
    mailboxId = applied.mailboxIds.main!;
  });
  afterAll(async () => {
    for (const name of ["ingest", "schedule"]) await queues.queue(name).obliterate({ force: true });
    await queues.close();
    await t?.drop();
  });

  const sha = (n: number) => n.toString(16).padStart(64, "0");
  const receipt = (uid: number, uidValidity = 1) =>
    recordReceipt(t.db, {
      mailboxId,
      uidValidity,
      uid,
      rawSha256: sha(uid),
      messageIdHeader: `m${uid}@x`,
      sizeBytes: 100 + uid,
      internalDate: new Date("2022-05-16T02:00:00Z"),
    });

  it("gives every secured, unfiled mail its ingest job again, once, and leaves filed mail alone", async () => {
    for (let uid = 1; uid <= 3; uid++) await receipt(uid);
    // The same mail recorded again after a UIDVALIDITY change: still one job.
    await t.pool.query(
      `insert into mail_receipts (mailbox_id, uid_validity, uid, raw_sha256, size_bytes, internal_date)
       values ($1, 2, 9, $2, 101, now())`,
      [mailboxId, sha(1)],
    );
    // uid 3 is filed already.
    await t.pool.query(
      `insert into messages (campaign_id, mailbox_id, raw_sha256, raw_key, message_id, received_at, size_bytes, status)
       values ($1, $2, $3, $4, 'filed3@x', now(), 103, 'filed')`,
      [campaignId, mailboxId, sha(3), `sha256:${sha(3)}`],
    );
    const sweep = startIngestSweep({ db: t.db, queues, logger, intervalMs: 60_000 });
    try {
      // The sweep's first pass at start may be the one that adds them: count jobs, not returns.
      await sweep.sweep();
      expect(await sweep.sweep()).toBe(0);
    } finally {
      await sweep.stop();
    }
    const ingest = queues.queue("ingest");
    const waiting = await ingest.getJobs(["waiting"]);
    expect(waiting.map((j) => j.id).sort()).toEqual([1, 2].map((uid) => jobIds.ingest({ mailboxId, rawSha256: sha(uid) })).sort());
    const job = waiting.find((j) => j.data.uid === 2)!;
    expect(job.data).toMatchObject({ campaignId, mailboxId, rawKey: `sha256:${sha(2)}`, uidValidity: 1, sizeBytes: 102 });
  });

  it("re-creates the scheduler's job scheduler when Redis lost it", async () => {
    const handle = await startScheduler({
      db: t.db,
      blobs: new LocalBlobStore(join(tmpdir(), prefix)),
      queues,
      logger,
      redisUrl,
      prefix,
      everyMs: 60_000,
      schedulerCheckMs: 100,
    });
    try {
      expect((await handle.queue.getJobSchedulers()).map((s) => s.key)).toEqual(["outgoing.plan"]);
      await handle.queue.removeJobScheduler("outgoing.plan");
      expect(await handle.queue.getJobScheduler("outgoing.plan")).toBeUndefined();
      let back = false;
      for (let i = 0; i < 200 && !back; i++) {
        await new Promise((r) => setTimeout(r, 50));
        back = (await handle.queue.getJobScheduler("outgoing.plan")) !== undefined;
      }
      expect(back).toBe(true);
    } finally {
      await handle.stop();
    }
  });
});
