import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setTimeout as sleep } from "node:timers/promises";
import { budgetsSchema, grantFor, waitsForInFlight } from "@baosong/core";
import { closeGrant, grantArchiveBudget, grantBudget, settleBudget } from "@baosong/db";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { applyTestCampaign } from "./support/campaign.ts";

const MiB = 1024 * 1024;
const budgets = budgetsSchema.parse({
  per_mail: { attachment_bytes: 16 * MiB, archive_bytes: 8 * MiB, files: 60 },
  per_sender: { attachment_bytes: 64 * MiB, archive_bytes: 12 * MiB, files: 200, window_hours: 24 },
});

describe("budget grants", () => {
  let t: TestDatabase;
  let campaignId: number;
  let mailboxId: number;
  const request = (n: number, sender = "ym@example.cn", receivedAt = new Date("2022-05-16T02:00:00Z")) => ({
    campaignId,
    mailboxId,
    rawSha256: `${n}`.padStart(64, "0"),
    sender,
    receivedAt,
    budgets,
    // These cases are about what is granted: a mail in flight is never settled here.
    inFlightPatienceMs: 0,
  });

  beforeAll(async () => {
    t = await createTestDatabase();
    const applied = await applyTestCampaign(t.db);
    campaignId = applied.id;
    mailboxId = applied.mailboxIds.main!;
  });
  afterAll(async () => t?.drop());

  it("never grant one sender more than its allowance, however many workers ask at once", async () => {
    const grants = await Promise.all([1, 2, 3, 4, 5].map((n) => grantBudget(t.db, request(n))));
    expect(grants.reduce((sum, g) => sum + g.archiveBytes, 0)).toBe(12 * MiB);
    expect(grants.filter((g) => g.senderLimited.archiveBytes).length).toBeGreaterThanOrEqual(4);
  });

  it("give a repeated job its first grant back, and return what a mail did not use", async () => {
    const first = await grantBudget(t.db, request(10, "rczj@example.cn"));
    expect(await grantBudget(t.db, request(10, "rczj@example.cn"))).toEqual(first);
    await settleBudget(t.db, mailboxId, request(10).rawSha256, { attachmentBytes: MiB, archiveBytes: 2 * MiB, files: 3 });
    expect((await grantBudget(t.db, request(11, "rczj@example.cn"))).archiveBytes).toBe(8 * MiB);
    expect((await grantBudget(t.db, request(12, "rczj@example.cn"))).archiveBytes).toBe(2 * MiB);
  });

  it("grant what grantFor allows: the mail's budget, cut to the sender's rest and to the raw size's bound", async () => {
    const sender = "cq-dazu@example.cn";
    const asked = [
      { n: 30, mailBytes: undefined },
      { n: 31, mailBytes: 3 * MiB },
      { n: 32, mailBytes: 40 * MiB },
      { n: 33, mailBytes: undefined },
      { n: 34, mailBytes: undefined },
    ];
    const used = { attachment_bytes: 0, archive_bytes: 0, files: 0 };
    for (const { n, mailBytes } of asked) {
      const grant = await grantBudget(t.db, { ...request(n, sender), mailBytes });
      expect(grant).toEqual(grantFor(budgets, used, mailBytes));
      used.attachment_bytes += grant.attachmentBytes;
      used.archive_bytes += grant.archiveBytes;
      used.files += grant.files;
    }
    expect(used).toEqual({ attachment_bytes: 64 * MiB, archive_bytes: 12 * MiB, files: 200 });
  });

  it("wait for the sender's mails in flight when their reservations, not its use, would cut the grant; then take what is left", async () => {
    const sender = "cq-rongchang@example.cn";
    // Three mails in flight reserve 48 of the sender's 64 MiB, all 12 MiB of archives and 180 of 200 files.
    for (const n of [40, 41, 42]) await grantBudget(t.db, request(n, sender));
    const nothing = { attachment_bytes: 0, archive_bytes: 0, files: 0 };
    expect(waitsForInFlight(budgets, nothing, { attachment_bytes: 48 * MiB, archive_bytes: 12 * MiB, files: 180 })).toBe(true);
    expect(waitsForInFlight(budgets, { attachment_bytes: 48 * MiB, archive_bytes: 12 * MiB, files: 180 }, nothing)).toBe(false);

    const fourth = grantBudget(t.db, { ...request(43, sender), inFlightPatienceMs: 60_000 });
    await sleep(300);
    const granted = async (n: number) => (await t.pool.query("select 1 from budget_grants where raw_sha256 = $1", [request(n).rawSha256])).rowCount;
    // Taking its grant now would have given it 20 files and no archive bytes: it waits instead.
    expect(await granted(43)).toBe(0);
    await settleBudget(t.db, mailboxId, request(40).rawSha256, { attachmentBytes: MiB, archiveBytes: 0, files: 2 });
    expect(await fourth).toEqual(grantFor(budgets, { attachment_bytes: 33 * MiB, archive_bytes: 4 * MiB, files: 122 }));
    expect(await fourth).toMatchObject({ archiveBytes: 8 * MiB, files: 60 });

    // Nothing settles for the fifth: after its patience it gets what is left.
    const fifth = await grantBudget(t.db, { ...request(44, sender), inFlightPatienceMs: 200 });
    expect(fifth).toEqual(grantFor(budgets, { attachment_bytes: 49 * MiB, archive_bytes: 12 * MiB, files: 182 }));
    expect(fifth).toMatchObject({ files: 18, archiveBytes: 0, senderLimited: { files: true, archiveBytes: true } });
  });

  it("reserve archive bytes only for a mail found to hold an archive, by the same rule and wait", async () => {
    const sender = "cq-tongliang@example.cn";
    const later = (n: number, patience = 0) => ({ ...request(n, sender), archivesLater: true, inFlightPatienceMs: patience });
    // Four mails in flight that hold no archive reserve none of the sender's 12 MiB.
    for (const n of [60, 61, 62, 63]) expect(await grantBudget(t.db, later(n))).toMatchObject({ archiveBytes: 0, senderLimited: { archiveBytes: false } });
    expect(await grantArchiveBudget(t.db, later(60))).toEqual({ archiveBytes: 8 * MiB, senderLimited: false });
    // A repeated job, still in flight, is answered by the rule again; nothing else changed.
    expect(await grantArchiveBudget(t.db, later(60))).toEqual({ archiveBytes: 8 * MiB, senderLimited: false });
    // Mail 60's hold leaves 4 MiB: mail 61 waits for it, and gets the rest once its patience is spent.
    const patient = grantArchiveBudget(t.db, later(61, 60_000));
    await sleep(300);
    const granted = async (n: number) =>
      Number(
        (await t.pool.query("select granted_archive_bytes from budget_grants where raw_sha256 = $1", [request(n).rawSha256])).rows[0].granted_archive_bytes,
      );
    expect(await granted(61)).toBe(0);
    await settleBudget(t.db, mailboxId, request(60).rawSha256, { attachmentBytes: 0, archiveBytes: MiB, files: 3 });
    expect(await patient).toEqual({ archiveBytes: 8 * MiB, senderLimited: false });
    expect(await grantArchiveBudget(t.db, later(62))).toEqual({ archiveBytes: 3 * MiB, senderLimited: true });
    // Once settled, the grant is what it was.
    await settleBudget(t.db, mailboxId, request(62).rawSha256, { attachmentBytes: 0, archiveBytes: 3 * MiB, files: 1 });
    expect(await grantArchiveBudget(t.db, later(62))).toEqual({ archiveBytes: 3 * MiB, senderLimited: true });
  });

  it("count a mail given up at its whole grant, and not wait for it", async () => {
    const sender = "cq-shuangqiao@example.cn";
    for (const n of [50, 51]) await grantBudget(t.db, request(n, sender));
    await closeGrant(t.db, mailboxId, request(50).rawSha256);
    const { rows } = await t.pool.query(
      "select used_attachment_bytes::int as a, used_archive_bytes::int as b, used_files as f from budget_grants where raw_sha256 = $1",
      [request(50).rawSha256],
    );
    expect(rows).toEqual([{ a: 16 * MiB, b: 8 * MiB, f: 60 }]);
    await settleBudget(t.db, mailboxId, request(51).rawSha256, { attachmentBytes: 0, archiveBytes: 4 * MiB, files: 1 });
    // Nothing in flight now: a patient grant is taken at once, with mail 50 counted whole.
    expect(await grantBudget(t.db, { ...request(52, sender), inFlightPatienceMs: 60_000 })).toEqual(
      grantFor(budgets, { attachment_bytes: 16 * MiB, archive_bytes: 12 * MiB, files: 61 }),
    );
  });

  it("answer a worker of the previous release (the 13-argument grant) by the same rule, without waiting", async () => {
    const sender = "cq-yongchuan@example.cn";
    await grantBudget(t.db, request(70, sender));
    const { rows } = await t.pool.query("select * from baosong_grant_budget($1, $2, $3, $4, $5, 24, $6, $7, $8, $9, $10, $11, null)", [
      campaignId,
      mailboxId,
      request(71).rawSha256,
      sender,
      request(71).receivedAt,
      16 * MiB,
      8 * MiB,
      60,
      64 * MiB,
      12 * MiB,
      200,
    ]);
    expect(rows).toEqual([
      { granted_attachment_bytes: String(16 * MiB), granted_archive_bytes: String(4 * MiB), granted_files: 60, sender_limited: ["archiveBytes"] },
    ]);
  });

  it("count only mails received within the window", async () => {
    const later = new Date("2022-05-18T02:00:00Z");
    expect((await grantBudget(t.db, request(20, "ym@example.cn", later))).archiveBytes).toBe(8 * MiB);
  });
});
