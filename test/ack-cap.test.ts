import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalBlobStore } from "@baosong/blobs";
import { JobQueues } from "@baosong/queue";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { applyTestCampaign, testCampaign } from "./support/campaign.ts";
import { fileRawMail, type FilingTarget } from "./support/filing.ts";

const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

function mail(n: number, from: string): Buffer {
  return Buffer.from(
    [
      `From: <${from}>`,
      "To: <112812581@qq.com>",
      `Subject: =?UTF-8?B?${Buffer.from(`荣昌职教中心 第${n}封`).toString("base64")}?=`,
      `Message-ID: <cap-${n}-${from}>`,
      "Content-Type: text/plain; charset=utf-8",
      "",
      `第${n}封`,
      "",
    ].join("\r\n"),
  );
}

describe("the hourly 回执 cap", () => {
  let t: TestDatabase;
  let dir: string;
  let target: FilingTarget;
  const prefix = `bst-${randomBytes(4).toString("hex")}`;
  let queues: JobQueues;

  beforeAll(async () => {
    t = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), "baosong-cap-"));
    queues = new JobQueues({ redisUrl, prefix });
    const applied = await applyTestCampaign(t.db, testCampaign({ acknowledgements: { max_per_sender_per_hour: 3 } }));
    target = { db: t.db, blobs: new LocalBlobStore(dir), queues, redisUrl, prefix, campaignId: applied.id, mailboxId: applied.mailboxIds.main! };
  });
  afterAll(async () => {
    for (const name of ["ingest", "send"]) await queues.queue(name).obliterate({ force: true });
    await queues.close();
    await t?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  async function acks(to: string) {
    const { rows } = await t.pool.query("select status, suppressed_reason from outbox where kind = 'ack' and to_address = $1", [to]);
    return { queued: rows.filter((r) => r.status === "queued").length, capped: rows.filter((r) => r.suppressed_reason === "hourly_cap").length };
  }

  it("lets no more than the cap through when eight mails of one hour are filed at once", async () => {
    await Promise.all(Array.from({ length: 8 }, (_, i) => fileRawMail(target, mail(i, "rczj@example.cn"), `2022-05-16T02:0${i}:00.000Z`, 100 + i)));
    expect(await acks("rczj@example.cn")).toEqual({ queued: 3, capped: 5 });
  });

  it("judges a backlog processed late by when each mail was received, not by when it is processed", async () => {
    for (let i = 0; i < 6; i++) await fileRawMail(target, mail(i, "ym@example.cn"), `2022-05-1${6 + (i % 3)}T0${i}:10:00.000Z`, 200 + i);
    expect(await acks("ym@example.cn")).toEqual({ queued: 6, capped: 0 });
  });

  // The count runs in every filing. Planned on a young campaign's tables (never analysed, so
  // estimated empty) and cached in the worker's connection, the first version scanned all of
  // messages for each 回执 to the address. auto_explain shows the plan the function really runs.
  it("counts from the address's index and each 回执's mail by its key, whatever the statistics say", async () => {
    const client = await t.pool.connect();
    try {
      const plans: string[] = [];
      client.on("notice", (n) => plans.push(n.message ?? ""));
      await client.query("LOAD 'auto_explain'");
      await client.query("SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on; SET client_min_messages = log");
      await client.query("SET plan_cache_mode = force_generic_plan");
      await client.query("begin");
      const { rows } = await client.query("select baosong_ack_cap_count('rczj@example.cn', '2022-05-16T02:30:00Z') as n");
      await client.query("rollback");
      expect(rows[0].n).toBe(3);
      const count = plans.find((p) => p.includes("FROM outbox o"));
      expect(count).toMatch(/Index Scan using outbox_to_lower_created/);
      expect(count).toMatch(/Index Scan using messages_pkey/);
      expect(count).not.toMatch(/Seq Scan/);
    } finally {
      client.release(true);
    }
  });
});
