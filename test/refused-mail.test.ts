import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalBlobStore } from "@baosong/blobs";
import { JobQueues } from "@baosong/queue";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { applyTestCampaign } from "./support/campaign.ts";
import { fileRawMail, type FilingTarget } from "./support/filing.ts";

const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** A school's mail with `parts` tiny attachments: mailparser refuses more than 1,000 MIME nodes. */
function manyParts(parts: number, tag: string): Buffer {
  const lines = [
    "From: rczj@example.cn",
    "To: 112812581@qq.com",
    `Message-ID: <many-${tag}@example.cn>`,
    `Subject: =?UTF-8?B?${Buffer.from("荣昌职教中心活动照片").toString("base64")}?=`,
    "Date: Mon, 16 May 2022 10:00:00 +0800",
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="b"',
    "",
  ];
  for (let i = 0; i < parts; i++) lines.push("--b", "Content-Type: text/plain", `Content-Disposition: attachment; filename="p${i}.txt"`, "", `part ${i}`);
  lines.push("--b--", "");
  return Buffer.from(lines.join("\r\n"));
}

/** A mail with one header field of `bytes` (folded lines): mailparser refuses a header over 1 MB. */
function hugeHeader(bytes: number, tag: string): Buffer {
  const folded = Array.from({ length: Math.ceil(bytes / 76) }, () => "x".repeat(75)).join("\r\n ");
  return Buffer.from(
    [
      `From: =?UTF-8?B?${Buffer.from("益民技校").toString("base64")}?= <ym@example.cn>`,
      "To: 112812581@qq.com",
      `Message-ID: <huge-${tag}@example.cn>`,
      "Subject: stats",
      `X-Padding: ${folded}`,
      "Date: Mon, 16 May 2022 10:00:00 +0800",
      "",
      "附件为统计表。",
      "",
    ].join("\r\n"),
  );
}

describe("a mail beyond the parser's limits", () => {
  let t: TestDatabase;
  let dir: string;
  let queues: JobQueues;
  let target: FilingTarget;
  const prefix = `bst-refused-${randomBytes(4).toString("hex")}`;

  beforeAll(async () => {
    t = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), "baosong-refused-"));
    queues = new JobQueues({ redisUrl, prefix });
    const applied = await applyTestCampaign(t.db);
    target = { db: t.db, blobs: new LocalBlobStore(dir), queues, redisUrl, prefix, campaignId: applied.id, mailboxId: applied.mailboxIds.main! };
  });
  afterAll(async () => {
    for (const name of ["ingest", "send"]) await queues?.queue(name).obliterate({ force: true });
    await queues?.close();
    await t?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ["over 1,000 MIME nodes", () => manyParts(1_100, "a"), "many-a@example.cn", "rczj@example.cn", "mime_too_many_parts", "重庆市荣昌区职业教育中心"],
    ["a header over 1 MB", () => hugeHeader(1_200_000, "b"), "huge-b@example.cn", "ym@example.cn", "mime_header_too_large", "重庆益民技工学校"],
  ])("with %s is filed rejected at once, with a finding, and the sender gets a 回执 saying why", async (_what, make, messageId, from, code, school) => {
    const filed = await fileRawMail(target, make(), "2022-05-16T02:00:00.000Z", Number(randomBytes(2).readUInt16BE()));
    expect(filed.created).toBe(true);
    const {
      rows: [m],
    } = await t.pool.query("select * from dashboard.messages where message_id = $1", [messageId]);
    expect(m).toMatchObject({ status: "rejected", from_address: from, school, attributed_by: "sender" });
    const { rows: found } = await t.pool.query("select severity, code, message from dashboard.findings where message_id = $1", [messageId]);
    expect(found).toContainEqual(expect.objectContaining({ severity: "error", code }));
    const { rows: acks } = await t.pool.query("select to_address, status, text_body, in_reply_to from outbox where related_message_id = $1", [
      filed.messageRowId,
    ]);
    expect(acks).toHaveLength(1);
    expect(acks[0]).toMatchObject({ to_address: from, status: "queued", in_reply_to: messageId });
    expect(acks[0].text_body).toContain(found.find((f) => f.code === code)!.message);
  });
});
