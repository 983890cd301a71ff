import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { budgetsSchema, grantFor } from "@baosong/core";
import { grantBudget, settleBudget } from "@baosong/db";
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

  it("count only mails received within the window", async () => {
    const later = new Date("2022-05-18T02:00:00Z");
    expect((await grantBudget(t.db, request(20, "ym@example.cn", later))).archiveBytes).toBe(8 * MiB);
  });
});
