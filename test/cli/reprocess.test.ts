import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyCampaign } from "@baosong/db";
import { JobQueues } from "@baosong/queue";
import { loadSettings, openRuntime, reprocessCommand, type Runtime } from "@baosong/svc-cli";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { applyTestCampaign, testCampaign } from "../support/campaign.ts";
import { fileRawMail } from "../support/filing.ts";

describe("baosong reprocess", () => {
  let t: TestDatabase;
  let dir: string;
  let rt: Runtime;
  let queues: JobQueues;
  const prefix = `bsrp-${randomBytes(4).toString("hex")}`;
  const redisUrl = "redis://127.0.0.1:6379";
  const one = async (q: string) => (await t.pool.query(q)).rows;

  beforeAll(async () => {
    t = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), "baosong-reprocess-"));
    rt = await openRuntime(
      loadSettings({ DATABASE_URL: t.url, REDIS_URL: redisUrl, BAOSONG_BLOB_DIR: join(dir, "blobs"), BAOSONG_QUEUE_PREFIX: prefix, LOG_LEVEL: "silent" }),
    );
    queues = new JobQueues({ redisUrl, prefix });
    const applied = await applyTestCampaign(t.db);
    // A new clerk writes from an address the roster does not know yet, naming no school.
    const raw = await new MailComposer({
      from: "newclerk@163.com",
      to: "112812581@qq.com",
      subject: "统计表",
      messageId: "<new-clerk-stats@163.com>",
      attachments: [{ filename: "统计.xlsx", content: readFileSync(join(import.meta.dirname, "../fixtures/forms/sichuan-stats.xlsx")) }],
    })
      .compile()
      .build();
    await fileRawMail(
      { db: t.db, blobs: rt.blobs, queues, redisUrl, prefix, campaignId: applied.id, mailboxId: applied.mailboxIds.main! },
      raw,
      "2022-05-20T02:00:00.000Z",
    );
  });
  afterAll(async () => {
    for (const name of ["ingest", "send"]) await queues.queue(name).obliterate({ force: true });
    await queues.close();
    await rt?.close();
    await t?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it("files a mail anew after the roster learned its sender, keeps its one 回执, and is safe to repeat", async () => {
    const id = "new-clerk-stats@163.com";
    expect(await one(`select school, status, attributed_by from dashboard.messages where message_id = '${id}'`)).toEqual([
      { school: null, status: "unattributed", attributed_by: "none" },
    ]);
    const documentsBefore = await one(`select filename, sha256, kind, parse_status from dashboard.documents where message_id = '${id}'`);
    expect(documentsBefore).toHaveLength(1);

    // The roster now lists the new clerk's address for 益民技校.
    const base = testCampaign();
    const campaign = testCampaign({
      schools: base.schools.map((s) => (s.name === "重庆益民技工学校" ? { ...s, senders: [...s.senders, "newclerk@163.com"] } : s)),
    });
    await applyCampaign(t.db, campaign, null);

    for (const run of [1, 2]) {
      const lines: string[] = [];
      expect(await reprocessCommand(rt, [`<${id}>`], (l) => lines.push(l))).toBe(0);
      expect(lines).toEqual([
        run === 1
          ? `✓ 已重新识别邮件 <${id}>（活动 test-rongchang）：之前 未识别学校（未识别学校，识别方式 none），现在 重庆益民技工学校（已登记，识别方式 sender）。`
          : `✓ 已重新识别邮件 <${id}>（活动 test-rongchang）：之前 重庆益民技工学校（已登记，识别方式 sender），现在 重庆益民技工学校（已登记，识别方式 sender）。`,
      ]);
      expect(await one(`select school, status, attributed_by from dashboard.messages where message_id = '${id}'`)).toEqual([
        { school: "重庆益民技工学校", status: "filed", attributed_by: "sender" },
      ]);
      expect(await one(`select filename, sha256, kind, parse_status from dashboard.documents where message_id = '${id}'`)).toEqual(documentsBefore);
      expect(await one(`select school, is_latest from dashboard.stats_forms where message_id = '${id}'`)).toEqual([
        { school: "重庆益民技工学校", is_latest: true },
      ]);
      // Still the one 回执 row, now joined to the mail and its school.
      expect(await one("select kind, message_id, school from dashboard.outbox")).toEqual([{ kind: "ack", message_id: id, school: "重庆益民技工学校" }]);
    }
    expect(await one("select count(*)::int as n from messages")).toEqual([{ n: 1 }]);
    const audit = await one("select action, target, before->>'school' as before, after->>'school' as after from audit_log order by id");
    expect(audit).toEqual([
      { action: "message.reprocess", target: id, before: null, after: "重庆益民技工学校" },
      { action: "message.reprocess", target: id, before: "重庆益民技工学校", after: "重庆益民技工学校" },
    ]);
  });

  it("says when there is no such mail", async () => {
    const lines: string[] = [];
    expect(await reprocessCommand(rt, ["nobody@nowhere"], (l) => lines.push(l))).toBe(1);
    expect(lines).toEqual(["✗ 找不到 Message-ID 为 nobody@nowhere 的邮件（可在 dashboard.messages 中查到 message_id）。"]);
    expect(await reprocessCommand(rt, [], (l) => lines.push(l))).toBe(2);
  });
});
