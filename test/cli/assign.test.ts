import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalBlobStore } from "@baosong/blobs";
import { JobQueues } from "@baosong/queue";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { applyTestCampaign } from "../support/campaign.ts";
import { runCli } from "../support/cli.ts";
import { fileRawMail } from "../support/filing.ts";

describe("baosong assign", () => {
  let t: TestDatabase;
  let dir: string;
  let queues: JobQueues;
  const prefix = `bsas-${randomBytes(4).toString("hex")}`;
  const redisUrl = "redis://127.0.0.1:6379";

  beforeAll(async () => {
    t = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), "baosong-assign-"));
    queues = new JobQueues({ redisUrl, prefix });
    const applied = await applyTestCampaign(t.db);
    // A stranger's mail whose form names no roster school: nobody can tell who sent it.
    const raw = await new MailComposer({
      from: "someone@163.com",
      to: "112812581@qq.com",
      subject: "统计表",
      messageId: "<nobody-knows@163.com>",
      attachments: [{ filename: "统计.xlsx", content: readFileSync(join(import.meta.dirname, "../fixtures/forms/sichuan-stats.xlsx")) }],
    })
      .compile()
      .build();
    await fileRawMail(
      { db: t.db, blobs: new LocalBlobStore(join(dir, "blobs")), queues, redisUrl, prefix, campaignId: applied.id, mailboxId: applied.mailboxIds.main! },
      raw,
      "2022-05-20T02:00:00.000Z",
    );
  });
  afterAll(async () => {
    for (const name of ["ingest", "send"]) await queues.queue(name).obliterate({ force: true });
    await queues.close();
    await t?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it("files an unattributed mail and its form under the school an admin names", async () => {
    const before = await t.pool.query("select school, attributed_by, status from dashboard.messages where message_id = 'nobody-knows@163.com'");
    expect(before.rows).toEqual([{ school: null, attributed_by: "none", status: "unattributed" }]);

    const r = await runCli(["assign", "<nobody-knows@163.com>", "益民技校"], { DATABASE_URL: t.url });
    expect(r.stdout).toBe("✓ 邮件 <nobody-knows@163.com> 已登记为 重庆益民技工学校（活动 test-rongchang，原为未识别），其中的表格和报告一并改归该校。\n");
    expect(r.code).toBe(0);
    const after = await t.pool.query("select school, attributed_by, status from dashboard.messages where message_id = 'nobody-knows@163.com'");
    expect(after.rows).toEqual([{ school: "重庆益民技工学校", attributed_by: "manual", status: "filed" }]);
    const stats = await t.pool.query("select school, is_latest from dashboard.stats_forms where message_id = 'nobody-knows@163.com'");
    expect(stats.rows).toEqual([{ school: "重庆益民技工学校", is_latest: true }]);
    const status = await t.pool.query("select status from dashboard.school_status where school = '重庆益民技工学校' and requirement = 'stats_form'");
    expect(status.rows).toEqual([{ status: "on_time" }]);
  });

  it("says what is wrong with an unknown school or message", async () => {
    const school = await runCli(["assign", "nobody-knows@163.com", "荣昌"], { DATABASE_URL: t.url });
    expect(school.code).toBe(1);
    expect(school.stdout).toContain("名册中没有“荣昌”，您是否要找：重庆市荣昌区职业教育中心");
    const message = await runCli(["assign", "missing@x.cn", "益民技校"], { DATABASE_URL: t.url });
    expect(message.stdout).toContain("找不到 Message-ID 为 missing@x.cn 的邮件");
  });
});
