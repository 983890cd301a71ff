import { describe, expect, it } from "vitest";
import { deadlineFor, requirementDeadlines } from "./requirement-times.ts";
import { anfu, bj, centre, rongchang, rongchangStatuses, yimin } from "../../test/rongchang-fixture.ts";
import { owedItems, SchoolStatusCollector, schoolStatuses, statusMatrix, statusOf, type FiledItem } from "./school-status.ts";

const campaign = rongchang();
const statuses = rongchangStatuses();
const due = { dueAt: bj("2022-05-13 18:00"), day: null };
const day = { dueAt: bj("2022-05-16 20:00"), day: "2022-05-16" };

describe("requirementDeadlines", () => {
  it("gives a due requirement one deadline and a daily requirement one per day, with stable ids", () => {
    const deadlines = requirementDeadlines(campaign);
    expect(deadlines.map((d) => d.id)).toEqual([
      "info-form",
      ...["15", "16", "17", "18", "19", "20", "21"].map((d) => `daily-report@2022-05-${d}`),
      "stats-form",
      "summary-report",
      "law-summary",
    ]);
    const day = deadlines.find((d) => d.id === "daily-report@2022-05-16")!;
    expect(day.dueAt).toEqual(bj("2022-05-16 20:00"));
    expect(day.remindAt).toEqual(bj("2022-05-16 16:00"));
    expect(deadlines[0]!.dueAt.toISOString()).toBe("2022-05-13T10:00:00.000Z");
  });

  it("counts a photo toward the day's news requirement and an info form toward its own", () => {
    const deadlines = requirementDeadlines(campaign);
    expect(deadlineFor(deadlines, "media_photo", "2022-05-17")?.id).toBe("daily-report@2022-05-17");
    expect(deadlineFor(deadlines, "daily_report", "2022-05-22")).toBeNull();
    expect(deadlineFor(deadlines, "info_form", "2022-05-10")?.id).toBe("info-form");
    expect(deadlineFor(deadlines, "plan", "2022-05-10")).toBeNull();
    expect(deadlineFor(deadlines, "media_video", "2022-05-21")?.id).toBe("daily-report@2022-05-21");
  });
});

describe("statusOf", () => {
  it("reads missing, on time, late and invalid", () => {
    const now = bj("2022-05-20 00:00");
    expect(statusOf(due, [], now)).toBe("missing");
    expect(statusOf(due, [{ receivedAt: bj("2022-05-13 17:59"), valid: true }], now)).toBe("on_time");
    expect(statusOf(due, [{ receivedAt: bj("2022-05-13 18:01"), valid: true }], now)).toBe("late");
    expect(statusOf(due, [{ receivedAt: bj("2022-05-12 09:00"), valid: false }], now)).toBe("invalid");
  });

  it("keeps a flawed form sent on time and fixed later on time, as the dashboard does", () => {
    const items = [
      { receivedAt: bj("2022-05-12 09:00"), valid: false },
      { receivedAt: bj("2022-05-14 09:00"), valid: true },
    ];
    expect(statusOf(due, items, bj("2022-05-20 00:00"))).toBe("on_time");
  });

  it("lets a newer flawed version of a form supersede a good one", () => {
    const items = [
      { receivedAt: bj("2022-05-12 09:00"), valid: true },
      { receivedAt: bj("2022-05-14 09:00"), valid: false },
    ];
    expect(statusOf(due, items, bj("2022-05-20 00:00"))).toBe("invalid");
  });

  it("takes one good item of the day for a daily deadline, whatever came after", () => {
    const items = [
      { receivedAt: bj("2022-05-16 09:00"), valid: true },
      { receivedAt: bj("2022-05-16 11:00"), valid: false },
    ];
    expect(statusOf(day, items, bj("2022-05-17 00:00"))).toBe("on_time");
    expect(statusOf(day, [items[1]!], bj("2022-05-17 00:00"))).toBe("invalid");
  });

  it("ignores what arrives after now", () => {
    expect(statusOf(due, [{ receivedAt: bj("2022-05-13 17:00"), valid: true }], bj("2022-05-13 16:00"))).toBe("missing");
  });
});

describe("owedItems", () => {
  it("lists what a school still owes by deadline, with today's daily item and overdue forms", () => {
    const owed = owedItems(campaign, yimin, statuses, bj("2022-05-16 12:00"));
    expect(owed.map((o) => [o.deadline.id, o.status, o.overdue])).toEqual([
      ["info-form", "missing", true],
      ["daily-report@2022-05-16", "missing", false],
      ["stats-form", "missing", false],
      ["summary-report", "missing", false],
      ["law-summary", "missing", false],
    ]);
    expect(owed[1]).toMatchObject({ title: "活动周每日信息（典型案例、稿件、照片、视频）", dueAt: bj("2022-05-16 20:00") });
  });

  it("drops today's daily item once it is in, or once the day's deadline has passed", () => {
    expect(owedItems(campaign, anfu, statuses, bj("2022-05-16 12:00")).map((o) => o.deadline.id)).toEqual(["stats-form", "summary-report", "law-summary"]);
    expect(owedItems(campaign, yimin, statuses, bj("2022-05-16 21:00")).map((o) => o.deadline.id)).not.toContain("daily-report@2022-05-16");
  });

  it("marks a flawed form as owed and invalid", () => {
    const owed = owedItems(campaign, anfu, statuses, bj("2022-05-20 12:00"));
    expect(owed.map((o) => [o.deadline.id, o.status])).toEqual([
      ["daily-report@2022-05-20", "missing"],
      ["stats-form", "invalid"],
      ["law-summary", "missing"],
    ]);
  });

  it("owes nothing for a school that has sent everything", () => {
    expect(owedItems(campaign, centre, statuses, bj("2022-05-18 12:00"))).toEqual([]);
  });
});

describe("statusMatrix", () => {
  it("shows single items and the daily items up to today for every school on the roster", () => {
    const m = statusMatrix(campaign, statuses, bj("2022-05-16 21:00"));
    expect(m.columns.map((c) => [c.label, c.group])).toEqual([
      ["信息采集表", null],
      ["5月15日", "活动稿件/典型案例"],
      ["5月16日", "活动稿件/典型案例"],
      ["情况统计表", null],
      ["活动周工作总结报告", null],
      ["职业教育法宣传活动情况总结", null],
    ]);
    expect(m.rows.map((r) => [r.school, r.cells])).toEqual([
      [centre, ["on_time", "on_time", "on_time", "missing", "missing", "missing"]],
      [yimin, ["missing", "missing", "missing", "missing", "missing", "missing"]],
      [anfu, ["on_time", "on_time", "on_time", "missing", "missing", "missing"]],
    ]);
  });
});

describe("schoolStatuses", () => {
  it("files documents under their deadlines, photos under the day's news, unrequired kinds nowhere", () => {
    const at = bj("2022-05-16 09:00");
    const filed = schoolStatuses(campaign, [
      { school: anfu, kind: "info_form", activityDay: "2022-05-12", receivedAt: at, valid: true },
      { school: anfu, kind: "media_photo", activityDay: "2022-05-16", receivedAt: at, valid: true },
      { school: anfu, kind: "daily_report", activityDay: "2022-05-16", receivedAt: at, valid: false },
      { school: anfu, kind: "plan", activityDay: "2022-05-16", receivedAt: at, valid: true },
    ]);
    expect(filed).toEqual([
      { school: anfu, deadlineId: "info-form", submissions: [{ receivedAt: at, valid: true }] },
      {
        school: anfu,
        deadlineId: "daily-report@2022-05-16",
        submissions: [
          { receivedAt: at, valid: true },
          { receivedAt: at, valid: false },
        ],
      },
    ]);
  });
});

describe("SchoolStatusCollector", () => {
  it("keeps a few submissions per school and deadline, and the matrix reads the same as from every item", () => {
    const kinds = ["info_form", "stats_form", "daily_report", "media_photo", "media_video", "summary_report"] as const;
    const items: FiledItem[] = [];
    // Many items per deadline, on time and late, valid and not, some after `now`, ties in time.
    for (let i = 0; i < 600; i++) {
      const school = [centre, anfu, yimin][i % 3]!;
      const kind = kinds[(i * 7) % kinds.length]!;
      const time = `${String(8 + ((i * 5) % 14)).padStart(2, "0")}:${i % 2 ? "00" : "30"}`;
      // The centre's info forms all come after the 13th, and are fine: late.
      const lateForm = school === centre && kind === "info_form";
      const received = lateForm ? `2022-05-14 ${time}` : `2022-05-${10 + (i % 13)} ${time}`;
      items.push({ school, kind, activityDay: `2022-05-${15 + (i % 7)}`, receivedAt: bj(received), valid: lateForm || i % 4 !== 1 });
    }
    const now = bj("2022-05-19 12:00");
    const collector = new SchoolStatusCollector(campaign, now);
    for (const item of items) collector.add(item);
    const condensed = collector.statuses();
    expect(Math.max(...condensed.map((s) => s.submissions.length))).toBeLessThanOrEqual(3);
    expect(condensed.reduce((n, s) => n + s.submissions.length, 0)).toBeLessThan(items.length / 3);
    const matrix = statusMatrix(campaign, condensed, now);
    expect(matrix).toEqual(statusMatrix(campaign, schoolStatuses(campaign, items), now));
    expect(new Set(matrix.rows.flatMap((r) => r.cells))).toEqual(new Set(["on_time", "late", "invalid", "missing"]));
  });
});
