import { describe, expect, it } from "vitest";
import { campaignSchema } from "../campaign.ts";
import { nextWakeUp, planOutgoing, type PlannedMail, type PlannedReminder } from "./outgoing-plan.ts";
import { anfu, bj, centre, rongchang, rongchangStatuses, yimin } from "../../test/rongchang-fixture.ts";

const campaign = rongchang();
const statuses = rongchangStatuses();
const QUARTER = 15 * 60_000;
const group = "stats-form+summary-report+law-summary";
const week = ["15", "16", "17", "18", "19", "20", "21"];

/**
 * The whole campaign, from four days before the first deadline to the day after the last,
 * one run every 15 minutes; each run's window starts `overlapMs` before the previous run.
 */
function march(overlapMs = 0, repeat = 1): PlannedMail[] {
  const all: PlannedMail[] = [];
  const end = bj("2022-05-23 00:00").getTime();
  for (let t = bj("2022-05-09 00:00").getTime(); t < end; t += QUARTER) {
    const now = new Date(t + QUARTER);
    for (let i = 0; i < repeat; i++) all.push(...planOutgoing(campaign, statuses, now, new Date(t - overlapMs)));
  }
  return all;
}

let marched: PlannedMail[] | undefined;
const marchOnce = () => (marched ??= march());

const r = (school: string, deadline: string, trigger: string) => `reminder:rongchang-2022:${school}:${deadline}:${trigger}`;
const o = (school: string, deadline: string) => `overdue:rongchang-2022:${school}:${deadline}`;

const expectedKeys = [
  // 益民 sends nothing: every reminder and every overdue notice.
  r(yimin, "info-form", "3d"),
  r(yimin, "info-form", "1d"),
  r(yimin, "info-form", "2h"),
  o(yimin, "info-form"),
  ...week.map((d) => r(yimin, `daily-report@2022-05-${d}`, "daily")),
  ...week.map((d) => o(yimin, `daily-report@2022-05-${d}`)),
  r(yimin, group, "3d"),
  r(yimin, group, "1d"),
  r(yimin, group, "2h"),
  o(yimin, group),
  // 安富 sends its info form between the 1d and the 2h reminder, reports on 5/15–5/17
  // (5/17 after the 16:00 reminder), a flawed stats form and a good summary on 5/20.
  r(anfu, "info-form", "3d"),
  r(anfu, "info-form", "1d"),
  ...["17", "18", "19", "20", "21"].map((d) => r(anfu, `daily-report@2022-05-${d}`, "daily")),
  ...["18", "19", "20", "21"].map((d) => o(anfu, `daily-report@2022-05-${d}`)),
  r(anfu, group, "3d"),
  r(anfu, group, "1d"),
  r(anfu, group, "2h"),
  o(anfu, group),
  // Every evening of the week at 20:30; on 5/21 the final digest takes the evening's place.
  ...["15", "16", "17", "18", "19", "20"].map((d) => `digest:rongchang-2022:2022-05-${d}`),
  "digest:rongchang-2022:final",
].sort();

describe("planOutgoing over a whole campaign", () => {
  it("plans exactly the expected reminders, overdue notices and digests, each once", () => {
    const keys = marchOnce().map((m) => m.dedupeKey);
    expect([...keys].sort()).toEqual(expectedKeys);
  });

  it("plans each mail once into an outbox even when windows overlap and every run repeats", () => {
    const outbox = new Map<string, PlannedMail>();
    let inserted = 0;
    for (const mail of march(45 * 60_000, 2)) {
      if (outbox.has(mail.dedupeKey)) continue;
      outbox.set(mail.dedupeKey, mail);
      inserted++;
    }
    expect([...outbox.keys()].sort()).toEqual(expectedKeys);
    expect(inserted).toBe(expectedKeys.length);
  });

  it("never plans the same key twice within one run", () => {
    const run = planOutgoing(campaign, statuses, bj("2022-05-21 19:00"), bj("2022-05-01 00:00"));
    expect(new Set(run.map((m) => m.dedupeKey)).size).toBe(run.length);
  });

  it("sends nothing to a school that has submitted everything on time", () => {
    expect(marchOnce().filter((m) => m.kind !== "digest" && m.to.school === centre)).toEqual([]);
  });

  it("lists in a grouped reminder only what the school still owes, flawed items included", () => {
    const oneDay = marchOnce().find((m): m is PlannedReminder => m.dedupeKey === r(anfu, group, "1d"))!;
    expect(oneDay.at).toEqual(bj("2022-05-20 18:00"));
    expect(oneDay.items.map((i) => [i.deadline.id, i.status])).toEqual([
      ["stats-form", "invalid"],
      ["law-summary", "missing"],
    ]);
    const twoHours = marchOnce().find((m): m is PlannedReminder => m.dedupeKey === r(anfu, group, "2h"))!;
    expect(twoHours.items.map((i) => i.deadline.id)).toEqual(["stats-form"]);
  });

  it("sends the overdue notice half an hour after the deadline, not at it", () => {
    expect(planOutgoing(campaign, statuses, bj("2022-05-13 18:29"), bj("2022-05-13 17:59"))).toEqual([]);
    const due = planOutgoing(campaign, statuses, bj("2022-05-13 18:30"), bj("2022-05-13 18:29"));
    expect(due.map((m) => m.dedupeKey)).toEqual([o(yimin, "info-form")]);
    expect(due[0]!.kind === "overdue" && due[0]!.items[0]!.overdue).toBe(true);
  });

  it("digests each evening at digest.at and the final one after the last deadline", () => {
    const digests = marchOnce().filter((m) => m.kind === "digest");
    expect(digests.map((d) => d.at.toISOString())).toEqual(week.map((d) => bj(`2022-05-${d} 20:30`).toISOString()));
    expect(digests.at(-1)).toMatchObject({ final: true, day: "2022-05-21", to: { kind: "officials" } });
  });

  it("plans no digest for a campaign without officials", () => {
    const quiet = rongchang({ officials: [] });
    const run = planOutgoing(quiet, statuses, bj("2022-05-16 21:00"), bj("2022-05-16 20:00"));
    expect(run.map((m) => m.kind)).toEqual(["overdue"]);
  });
});

describe("planOutgoing when the scheduler was down or starts late", () => {
  it("plans nothing for a campaign long past, however old the last run", () => {
    expect(planOutgoing(campaign, [], new Date("2023-06-01T00:00:00Z"), new Date("2000-01-01T00:00:00Z"))).toEqual([]);
  });

  it("sends the latest reminder per school and deadline group, not a backlog", () => {
    const run = planOutgoing(campaign, statuses, bj("2022-05-21 17:00"), new Date(0));
    expect(run.map((m) => m.dedupeKey).sort()).toEqual(
      [r(yimin, group, "2h"), r(yimin, "daily-report@2022-05-21", "daily"), r(anfu, group, "2h"), r(anfu, "daily-report@2022-05-21", "daily")].sort(),
    );
  });

  it("does not send a reminder once its deadline has passed", () => {
    const run = planOutgoing(campaign, statuses, bj("2022-05-13 18:10"), bj("2022-05-13 15:00"));
    expect(run).toEqual([]);
  });

  it("drops overdue notices and digests more than twelve hours late", () => {
    const run = planOutgoing(campaign, statuses, bj("2022-05-19 21:00"), bj("2022-05-17 12:00"));
    expect(
      run
        .filter((m) => m.kind !== "reminder")
        .map((m) => m.dedupeKey)
        .sort(),
    ).toEqual([o(yimin, "daily-report@2022-05-19"), o(anfu, "daily-report@2022-05-19"), "digest:rongchang-2022:2022-05-19"].sort());
  });

  it("collapses missed daily overdue notices to the latest day when a longer lateness is allowed", () => {
    const run = planOutgoing(campaign, statuses, bj("2022-05-19 21:00"), bj("2022-05-17 12:00"), { maxLatenessHours: 72 });
    expect(
      run
        .filter((m) => m.kind === "overdue")
        .map((m) => m.dedupeKey)
        .sort(),
    ).toEqual([o(yimin, "daily-report@2022-05-19"), o(anfu, "daily-report@2022-05-19")].sort());
    expect(run.filter((m) => m.kind === "digest").map((m) => m.dedupeKey)).toEqual(["digest:rongchang-2022:2022-05-19"]);
  });

  it("judges what a school owes at the time of the run, not of the event", () => {
    // 安富's info form arrived 5/12 19:00; a run at 20:00 that still covers the 18:00 reminder skips it.
    const run = planOutgoing(campaign, statuses, bj("2022-05-12 20:00"), bj("2022-05-12 17:00"));
    expect(run.map((m) => m.dedupeKey)).toEqual([r(yimin, "info-form", "1d")]);
  });
});

describe("planOutgoing in another time zone", () => {
  const berlin = campaignSchema.parse({
    ...rongchang(),
    slug: "berlin-2022",
    timezone: "Europe/Berlin",
    digest: { at: "23:45" },
    period: { kind: "week", start: "2022-03-21", end: "2022-03-27" },
    requirements: [
      { id: "info-form", kind: "info_form", title: "信息采集表", due: "2022-03-27 18:00", reminders: ["1d", "2h"] },
      { id: "daily-report", kind: "daily_report", title: "每日信息", daily: { from: "2022-03-21", to: "2022-03-27", by: "20:00", remind_at: "16:00" } },
    ],
  });

  it("counts a day before a deadline on the wall clock, across the spring DST change", () => {
    // 3/27 18:00 CEST is 16:00Z; the day before at 18:00 is CET, 17:00Z (not 24 h earlier).
    const run = planOutgoing(berlin, [], new Date("2022-03-26T17:00:00Z"), new Date("2022-03-26T16:59:00Z"));
    expect(run.map((m) => m.dedupeKey)).toContain(`reminder:berlin-2022:${yimin}:info-form:1d`);
    const twoHours = planOutgoing(berlin, [], new Date("2022-03-27T14:00:00Z"), new Date("2022-03-27T13:59:00Z"));
    expect(twoHours.map((m) => m.dedupeKey)).toContain(`reminder:berlin-2022:${yimin}:info-form:2h`);
  });

  it("sends the daily reminder at 16:00 Berlin time, and nothing at 16:00 Beijing time", () => {
    expect(planOutgoing(berlin, [], new Date("2022-03-22T08:05:00Z"), new Date("2022-03-22T07:55:00Z"))).toEqual([]);
    const run = planOutgoing(berlin, [], new Date("2022-03-22T15:05:00Z"), new Date("2022-03-22T14:55:00Z"));
    expect(run.map((m) => m.dedupeKey)).toEqual([centre, yimin, anfu].map((s) => `reminder:berlin-2022:${s}:daily-report@2022-03-22:daily`).sort());
  });

  it("digests at 23:45 local time on the local day, across UTC and local midnight", () => {
    // 3/23 23:45 CET is 22:45Z; a window from 23:30 to 00:10 local catches that day's digest only.
    const run = planOutgoing(berlin, [], new Date("2022-03-23T23:10:00Z"), new Date("2022-03-23T22:30:00Z"));
    expect(run.filter((m) => m.kind === "digest")).toMatchObject([{ dedupeKey: "digest:berlin-2022:2022-03-23", at: new Date("2022-03-23T22:45:00Z") }]);
  });
});

describe("nextWakeUp", () => {
  it("names the next instant at which something falls due", () => {
    expect(nextWakeUp(campaign, bj("2022-05-13 16:00"))).toEqual(bj("2022-05-13 18:30"));
    expect(nextWakeUp(campaign, bj("2022-05-14 12:00"))).toEqual(bj("2022-05-15 16:00"));
    expect(nextWakeUp(campaign, bj("2022-05-15 20:30"))).toEqual(bj("2022-05-16 16:00"));
  });

  it("is null once the final digest is out", () => {
    expect(nextWakeUp(campaign, bj("2022-05-21 20:30"))).toBeNull();
  });

  it("wakes for every instant the march produced a mail at", () => {
    const instants = new Set(marchOnce().map((m) => m.at.getTime()));
    for (const at of instants) expect(nextWakeUp(campaign, new Date(at - 1))).toEqual(new Date(at));
  });
});
