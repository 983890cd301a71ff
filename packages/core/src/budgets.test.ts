import { describe, expect, it } from "vitest";
import { budgetFinding, budgetsSchema, defaultBudgets, grantFor, waitsForInFlight } from "./budgets.ts";

const GiB = 1024 ** 3;

describe("disk budgets", () => {
  it("read sizes written as numbers or with units", () => {
    const b = budgetsSchema.parse({ per_mail: { attachment_bytes: "500MB", archive_bytes: "1.5GiB", files: 10 } });
    expect(b.per_mail).toEqual({ attachment_bytes: 500_000_000, archive_bytes: 1.5 * GiB, files: 10 });
    expect(b.per_sender).toEqual(defaultBudgets.per_sender);
    expect(() => budgetsSchema.parse({ archive_ratio: { max: 100, min_bytes: "lots" } })).toThrow(/500MB or 2GiB/);
  });

  it("grant a mail its per-mail allowance while its sender has more left", () =>
    expect(grantFor(defaultBudgets, { attachment_bytes: 0, archive_bytes: 0, files: 0 })).toEqual({
      attachmentBytes: 2 * GiB,
      archiveBytes: 2 * GiB,
      files: 500,
      senderLimited: { attachmentBytes: false, archiveBytes: false, files: false },
    }));

  it("cut a mail's grant to what its sender has left, and say so", () =>
    expect(grantFor(defaultBudgets, { attachment_bytes: 0, archive_bytes: 5 * GiB, files: 3000 })).toMatchObject({
      archiveBytes: 1 * GiB,
      files: 0,
      senderLimited: { attachmentBytes: false, archiveBytes: true, files: true },
    }));

  it("grant no more plain-attachment bytes than the raw mail holds, so mails in flight together do not reserve the sender's whole allowance", () => {
    const grant = (used: number) => grantFor(defaultBudgets, { attachment_bytes: used, archive_bytes: 0, files: 0 }, 300_000);
    expect(grant(0)).toMatchObject({ attachmentBytes: 300_000, archiveBytes: 2 * GiB, senderLimited: { attachmentBytes: false } });
    // Thirty such grants in flight leave the next one its full 300 KB; 2 GiB each would have left it nothing after five.
    expect(grant(30 * 300_000).attachmentBytes).toBe(300_000);
  });

  it("tell the clerk which budget ran out, in Chinese", () => {
    expect(budgetFinding("archive_bytes", false, defaultBudgets, "视频.zip").message).toContain("单封邮件的上限（2.0 GB）");
    expect(budgetFinding("files", true, defaultBudgets, null)).toMatchObject({ code: "sender_budget_files", severity: "error" });
  });

  it("wait for mails in flight only when their reservations, not the sender's use or the mail's own size, cut the grant", () => {
    const none = { attachment_bytes: 0, archive_bytes: 0, files: 0 };
    // Six mails in flight hold 3,000 files: the seventh would get none.
    const sixInFlight = { attachment_bytes: 6 * 1_000_000, archive_bytes: 0, files: 3000 };
    expect(waitsForInFlight(defaultBudgets, none, sixInFlight)).toBe(true);
    // The same 3,000 files really stored: waiting frees nothing.
    expect(waitsForInFlight(defaultBudgets, sixInFlight, none)).toBe(false);
    // Reservations that leave the mail its whole grant: nothing to wait for.
    expect(waitsForInFlight(defaultBudgets, none, { attachment_bytes: 8 * GiB, archive_bytes: 4 * GiB, files: 2500 })).toBe(false);
    // Only attachment bytes are short, and a 300 KB mail cannot use more than what is left.
    expect(waitsForInFlight(defaultBudgets, none, { attachment_bytes: 10 * GiB - 1_000_000, archive_bytes: 0, files: 0 }, 1_200_000)).toBe(true);
    expect(waitsForInFlight(defaultBudgets, none, { attachment_bytes: 10 * GiB - 2_000_000, archive_bytes: 0, files: 0 }, 1_200_000)).toBe(false);
  });
});
