import { readFileSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalBlobStore } from "@baosong/blobs";
import { JobQueues } from "@baosong/queue";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { applyTestCampaign, testCampaign } from "../support/campaign.ts";
import { runCli } from "../support/cli.ts";
import { fileRawMail } from "../support/filing.ts";

describe("baosong digest --preview", () => {
  let t: TestDatabase;
  let dir: string;
  let queues: JobQueues;
  const prefix = `bsdp-${randomBytes(4).toString("hex")}`;
  const redisUrl = "redis://127.0.0.1:6379";

  beforeAll(async () => {
    t = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), "baosong-preview-"));
    queues = new JobQueues({ redisUrl, prefix });
    const campaign = testCampaign({
      officials: [{ name: "区教委职成科", email: "zck@example.gov.cn" }],
      requirements: [{ id: "stats-form", kind: "stats_form", title: "情况统计表", due: "2022-05-21 18:00", rules: { media_levels: ["市级及以上", "区县级"] } }],
    });
    const applied = await applyTestCampaign(t.db, campaign);
    const raw = await new MailComposer({
      from: "rczj@example.cn",
      to: "112812581@qq.com",
      subject: "荣昌职教中心 情况统计表",
      attachments: [{ filename: "情况统计表.xlsx", content: readFileSync(join(import.meta.dirname, "../fixtures/forms/rongchang-stats.xlsx")) }],
    })
      .compile()
      .build();
    await fileRawMail(
      { db: t.db, blobs: new LocalBlobStore(join(dir, "blobs")), queues, redisUrl, prefix, campaignId: applied.id, mailboxId: applied.mailboxIds.main! },
      raw,
      "2022-05-16T02:00:00.000Z",
    );
  });
  afterAll(async () => {
    for (const name of ["ingest", "send"]) await queues.queue(name).obliterate({ force: true });
    await queues.close();
    await t?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it("writes the digest and its workbook to files and sends nothing", async () => {
    const out = join(dir, "preview");
    const r = await runCli(["digest", "--preview", "--campaign", "test-rongchang", "--day", "2022-05-16", "--out", out], { DATABASE_URL: t.url });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^✓ test-rongchang: .*日报摘要/m);
    const files = (await readdir(join(out, "test-rongchang"))).sort();
    expect(files).toEqual(["digest-2022-05-16.html", "digest-2022-05-16.txt", "日报摘要-2022-05-16.xlsx"]);
    const html = await readFile(join(out, "test-rongchang", "digest-2022-05-16.html"), "utf8");
    expect(html).toContain("重庆市荣昌区职业教育中心");

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(out, "test-rongchang", "日报摘要-2022-05-16.xlsx"));
    const sheet = wb.getWorksheet("情况统计表")!;
    const values: unknown[][] = [];
    sheet.eachRow((row) => values.push((row.values as unknown[]).slice(1)));
    const school = values.find((v) => v.includes("重庆市荣昌区职业教育中心"))!;
    expect(school).toEqual(expect.arrayContaining([156, 2380, 12, 2600, 8, 5, 17]));
    expect((await t.pool.query("select count(*)::int as n from outbox where kind = 'digest'")).rows[0].n).toBe(0);
  });
});
