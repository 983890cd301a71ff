/**
 * Forms filled in as Word tables, filed end to end: a mail with the 信息采集表 as a Word table
 * and its stamped scan, and one with the 特色亮点活动一览表 as a .doc saved by LibreOffice, go
 * through the real ingest processor into Postgres; the dashboard shows the values, the scan as
 * the table's signed copy, and the featured dates parsed beside the text as written.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalBlobStore } from "@baosong/blobs";
import { JobQueues } from "@baosong/queue";
import { layoutToDocx } from "../scripts/fixtures/lib/form-layouts.ts";
import { formVariants } from "../scripts/fixtures/lib/form-variants.ts";
import { applyTestCampaign, testCampaign } from "./support/campaign.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { fileRawMail, type FilingTarget } from "./support/filing.ts";

const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const fixtures = join(import.meta.dirname, "fixtures");
const variants = formVariants(8, 515);
const info = variants.find((v) => v.kind === "info_form" && v.campaign === "rongchang-2022")!;
const featured = JSON.parse(readFileSync(join(fixtures, "form-variants/expected.json"), "utf8")).find(
  (e: { file: string }) => e.file.endsWith(".doc") && e.file.startsWith("featured-"),
) as {
  file: string;
  variant: { expected: Record<string, unknown>[] };
};

describe("forms sent as Word tables, filed end to end", { timeout: 120_000 }, () => {
  let t: TestDatabase;
  let dir: string;
  let queues: JobQueues;
  let target: FilingTarget;
  const prefix = `bsw-${randomBytes(4).toString("hex")}`;

  const send = async (id: string, subject: string, attachments: { filename: string; content: Buffer }[], uid: number) => {
    const raw = await new MailComposer({ from: "rczj@example.cn", to: "112812581@qq.com", subject, messageId: `<${id}>`, text: "见附件。", attachments })
      .compile()
      .build();
    await fileRawMail(target, raw, "2022-05-12T03:00:00.000Z", uid);
  };

  beforeAll(async () => {
    t = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), "baosong-word-forms-"));
    queues = new JobQueues({ redisUrl, prefix });
    const applied = await applyTestCampaign(
      t.db,
      testCampaign({
        requirements: [
          { id: "info-form", kind: "info_form", title: "信息采集表", due: "2022-05-13 18:00" },
          { id: "featured", kind: "featured_list", title: "特色亮点活动一览表", due: "2022-05-17 18:00" },
        ],
      }),
    );
    target = { db: t.db, blobs: new LocalBlobStore(dir), queues, redisUrl, prefix, campaignId: applied.id, mailboxId: applied.mailboxIds.main! };
    await send(
      "info@example.cn",
      "荣昌职教中心信息采集表",
      [
        { filename: "附件1.docx", content: layoutToDocx(info.layout) },
        { filename: "盖章扫描件.pdf", content: readFileSync(join(fixtures, "pdf/scan.pdf")) },
      ],
      1,
    );
    await send(
      "featured@example.cn",
      "特色亮点活动一览表",
      [{ filename: "一览表.doc", content: readFileSync(join(fixtures, "form-variants", featured.file)) }],
      2,
    );
  });

  afterAll(async () => {
    await queues?.queue("ingest").obliterate({ force: true });
    await queues?.queue("send").obliterate({ force: true });
    await queues?.close();
    await t?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("files the Word table's values as the info form and links the stamped scan to it as its signed copy", async () => {
    const docs = await t.pool.query("select filename, kind, parse_status, signed_copy_of from dashboard.documents where message_id = 'info@example.cn'");
    expect(docs.rows.sort((a, b) => (a.filename < b.filename ? -1 : 1))).toEqual([
      { filename: "盖章扫描件.pdf", kind: "info_form", parse_status: "kept", signed_copy_of: "附件1.docx" },
      { filename: "附件1.docx", kind: "info_form", parse_status: "parsed", signed_copy_of: null },
    ]);
    const { rows } = await t.pool.query(
      "select unit_name, contact_name, contact_title, mobile, qq, website_url, plan_text, featured_text, filler_name, filler_phone from dashboard.info_forms where message_id = 'info@example.cn'",
    );
    expect(rows).toEqual([info.expected]);
  });

  it("files every featured activity of a .doc table, with the date as written and the day it names", async () => {
    const { rows } = await t.pool.query(
      "select seq, organizer, held_on, to_char(held_on_date, 'YYYY-MM-DD') as held_on_date, place, name, intro, outcome from dashboard.featured_activities where message_id = 'featured@example.cn' order by seq",
    );
    expect(rows).toEqual(featured.variant.expected);
  });
});
