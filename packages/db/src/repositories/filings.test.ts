import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../../test/support/database.ts";
import { applyTestCampaign } from "../../../../test/support/campaign.ts";
import { fileMessage, type Filing } from "./filings.repository.ts";

describe("fileMessage", () => {
  let t: TestDatabase;
  let campaignId: number;
  let mailboxId: number;
  let schoolId: number;

  beforeAll(async () => {
    t = await createTestDatabase();
    const applied = await applyTestCampaign(t.db);
    campaignId = applied.id;
    mailboxId = applied.mailboxIds.main!;
    schoolId = (await t.pool.query("select id from schools where name = '重庆益民技工学校'")).rows[0].id;
  });
  afterAll(async () => t?.drop());

  function filing(n: number, subject: string): Filing {
    const rawSha256 = `${n}`.padStart(64, "0");
    const receivedAt = new Date("2022-05-13T08:00:00Z");
    return {
      message: {
        campaignId,
        mailboxId,
        rawSha256,
        rawKey: `sha256:${rawSha256}`,
        messageId: `m${n}@ym.example.cn`,
        receivedAt,
        sizeBytes: 100,
        schoolId,
        subject,
        status: "filed",
      },
      documents: [
        {
          position: 0,
          filename: "统计表.xlsx",
          mediaType: "application/vnd.ms-excel",
          sizeBytes: 10,
          sha256: "a",
          blobKey: "sha256:a",
          origin: "attachment",
          kind: "stats_form",
          parseStatus: "parsed",
        },
        {
          position: 1,
          filename: "信息表.xlsx",
          mediaType: "application/vnd.ms-excel",
          sizeBytes: 10,
          sha256: "b",
          blobKey: "sha256:b",
          origin: "attachment",
          kind: "info_form",
          parseStatus: "unreadable",
        },
      ],
      findings: [
        { severity: "error", code: "file_encrypted", field: null, message: "请取消密码", position: 1 },
        { severity: "warning", code: "late", field: null, message: "逾期", position: null },
      ],
      largeAttachments: [{ filename: "视频.mp4", url: "https://example.cn/v", sizeText: "1G", expiresAt: null }],
      forms: {
        info: [],
        stats: [{ campaignId, schoolId, submittedAt: receivedAt, position: 0, unitName: "益民技校", teachers: 12, studentCoveragePct: 87.5 }],
        featured: [],
        reports: [],
      },
      acknowledgement: {
        owedBy: { campaignId, schoolId },
        hourlyCap: { toAddress: "YM@example.cn ", receivedAt, maxPerHour: 2 },
        compose: (owed) => ({
          campaignId,
          kind: "ack",
          dedupeKey: `ack:${mailboxId}:${rawSha256}`,
          toAddress: "ym@example.cn",
          subject: "回执",
          textBody: `已收到；尚欠：${owed.map((o) => o.title).join("、")}`,
          ourMessageId: `ack-${n}@example.cn`,
          schoolId,
        }),
      },
    };
  }

  it("files the message, its documents, findings, links, forms and 回执 together, and a repeated filing returns the first", async () => {
    const first = await fileMessage(t.db, filing(1, "报送材料"));
    expect(first).toMatchObject({ created: true, acknowledgement: { status: "queued" } });
    const docs = await t.pool.query("select id, position from documents where message_id = $1 order by position", [first.messageRowId]);
    expect(docs.rows).toHaveLength(2);
    const found = await t.pool.query("select code, document_id from findings where message_id = $1 order by code", [first.messageRowId]);
    expect(found.rows).toEqual([
      { code: "file_encrypted", document_id: docs.rows[1].id },
      { code: "late", document_id: null },
    ]);
    const stats = await t.pool.query("select document_id, unit_name, teachers, student_coverage_pct, row_index, media_reports_by_level from stats_forms");
    expect(stats.rows).toEqual([
      { document_id: docs.rows[0].id, unit_name: "益民技校", teachers: 12, student_coverage_pct: "87.5", row_index: 0, media_reports_by_level: {} },
    ]);
    expect((await t.pool.query("select url from large_attachments where message_id = $1", [first.messageRowId])).rows).toEqual([
      { url: "https://example.cn/v" },
    ]);
    const ack = await t.pool.query("select id, text_body, related_message_id, attempts from outbox");
    // The stats form this mail delivers is not owed; its unreadable info form still is.
    expect(ack.rows).toEqual([
      {
        id: String(first.acknowledgement!.id),
        text_body: "已收到；尚欠：信息采集表",
        related_message_id: String(first.messageRowId),
        attempts: 0,
      },
    ]);

    const again = await fileMessage(t.db, filing(1, "报送材料"));
    expect(again).toEqual({ ...first, created: false });
    expect((await t.pool.query("select count(*)::int as n from documents")).rows[0].n).toBe(2);
    expect((await t.pool.query("select count(*)::int as n from outbox")).rows[0].n).toBe(1);
  });

  it("files a 回执 past the hourly cap of its address suppressed", async () => {
    const second = await fileMessage(t.db, filing(3, "补充材料"));
    const third = await fileMessage(t.db, filing(4, "再补充"));
    expect([second.acknowledgement?.status, third.acknowledgement?.status]).toEqual(["queued", "suppressed"]);
    const { rows } = await t.pool.query("select suppressed_reason from outbox where id = $1", [third.acknowledgement!.id]);
    expect(rows).toEqual([{ suppressed_reason: "hourly_cap" }]);
  });

  it("files a mail it could not read with its columns' defaults and no 回执", async () => {
    const rawSha256 = "f".repeat(64);
    const filed = await fileMessage(t.db, {
      message: {
        campaignId,
        mailboxId,
        rawSha256,
        rawKey: `sha256:${rawSha256}`,
        messageId: "unread@baosong.invalid",
        receivedAt: new Date(),
        sizeBytes: 1,
        status: "failed",
      },
      documents: [],
      findings: [{ severity: "error", code: "mail_unreadable", field: null, message: "系统未能读取这封邮件", position: null }],
      largeAttachments: [],
    });
    expect(filed).toMatchObject({ created: true, acknowledgement: null });
    const { rows } = await t.pool.query(
      "select attributed_by, auth, auto_reply, school_id, filed_at is not null as dated, (select code from findings where message_id = m.id) as code from messages m where id = $1",
      [filed.messageRowId],
    );
    expect(rows).toEqual([{ attributed_by: "none", auth: "none", auto_reply: false, school_id: null, dated: true, code: "mail_unreadable" }]);
  });

  it("files text cut inside an emoji or holding a NUL, with U+FFFD in their place", async () => {
    const filed = await fileMessage(t.db, filing(2, `${"活动🎉".slice(0, 3)}\u0000完`));
    const { rows } = await t.pool.query("select subject from messages where id = $1", [filed.messageRowId]);
    expect(rows[0].subject).toBe("活动\uFFFD\uFFFD完");
  });
});
