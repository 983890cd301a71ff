import type { Campaign } from "../campaign.ts";
import { campaignDay, zonedToInstant } from "../campaign-time.ts";
import { addDays, campaignDays, reminderInstant, requirementDeadlines, type Deadline } from "./requirement-times.ts";
import { StatusBook, stillOwed, type OwedDeadline, type SchoolStatus } from "./school-status.ts";

/**
 * What the scheduler should send (SPEC §5): reminders, overdue notices and digests that fall
 * due in the window (lastRun, now]. Pure: the caller passes the clock and the statuses, and
 * inserts each PlannedMail into the outbox by its dedupe key, which makes overlapping or
 * repeated runs (two schedulers, a retry, a restart) send each mail once.
 *
 * Rules:
 * - Deadlines that share one instant form a group (5/21 18:00: 情况统计表, 总结, 法宣总结), and a
 *   school gets ONE mail per group and trigger listing what it still owes, not three at once.
 * - Reminders fire at each configured offset before a deadline, and for a daily requirement at
 *   `remind_at` that day ("daily"); only to schools that still owe a good item (nothing
 *   received, or only flawed items), judged at `now`. A reminder whose deadline has passed
 *   by `now` is not sent: the overdue notice speaks for it.
 * - An overdue notice fires `overdueGraceMinutes` after the deadline (a mail sent at 17:59
 *   is filed by then) to schools still owing it, when the requirement has `overdue_notice`.
 * - A digest goes to the officials every evening at `digest.at` from the first day of the
 *   period; the final digest is the first `digest.at` on or after the last deadline (plus
 *   the grace), or on the last day of the period if that is later, and replaces that
 *   evening's digest. Days between the period's end and the final digest keep their
 *   evening digest: late forms still arrive then.
 * - Catch-up (the scheduler was down, or starts late): within one run only the latest due
 *   event of a family is planned — reminders of one school and deadline group; overdue
 *   notices of one school and requirement group (the days of a daily requirement collapse
 *   to the latest); the digests. Overdue notices and digests more than `maxLatenessHours`
 *   late are dropped. So a campaign long past plans nothing, and a scheduler that was down
 *   for a day sends one reminder per school and group, not a backlog.
 */
export interface PlanOptions {
  /** Minutes after a deadline before its overdue notice (and the final digest). Default 30. */
  overdueGraceMinutes?: number;
  /** Overdue notices and digests later than this are dropped. Default 12. */
  maxLatenessHours?: number;
}

export type MailRecipient = { kind: "school"; school: string } | { kind: "officials" };

export interface PlannedReminder {
  kind: "reminder";
  dedupeKey: string;
  campaign: string;
  /** When the event fell due (may be earlier than now by up to one scheduler interval). */
  at: Date;
  to: { kind: "school"; school: string };
  /** The offset ("3d", "2h") or "daily" for a daily requirement's `remind_at`. */
  trigger: string;
  /** What the school still owes of the group, judged at `now`. */
  items: OwedDeadline[];
}

export interface PlannedOverdue {
  kind: "overdue";
  dedupeKey: string;
  campaign: string;
  at: Date;
  to: { kind: "school"; school: string };
  items: OwedDeadline[];
}

export interface PlannedDigest {
  kind: "digest";
  dedupeKey: string;
  campaign: string;
  at: Date;
  to: { kind: "officials" };
  /** The campaign day the digest reports on. */
  day: string;
  final: boolean;
}

export type PlannedMail = PlannedReminder | PlannedOverdue | PlannedDigest;

interface SchoolEvent {
  kind: "reminder" | "overdue";
  at: Date;
  groupId: string;
  family: string;
  trigger: string;
  dueAt: Date;
  deadlines: Deadline[];
}

interface DigestEvent {
  at: Date;
  day: string;
  final: boolean;
}

const MINUTE = 60_000;

export function planOutgoing(campaign: Campaign, statuses: readonly SchoolStatus[], now: Date, lastRun: Date, options: PlanOptions = {}): PlannedMail[] {
  if (now <= lastRun) return [];
  const maxLateMs = (options.maxLatenessHours ?? 12) * 60 * MINUTE;
  const inWindow = (at: Date) => lastRun < at && at <= now;
  const fresh = (at: Date) => now.getTime() - at.getTime() <= maxLateMs;

  const events = eventsOf(campaign, options);
  const dueEvents = events.school.filter((e) => inWindow(e.at) && (e.kind === "reminder" ? now < e.dueAt : fresh(e.at)));
  const book = new StatusBook(statuses);
  const planned: PlannedMail[] = [];
  for (const { name: school } of campaign.schools) {
    const latest = new Map<string, PlannedReminder | PlannedOverdue>();
    for (const e of dueEvents) {
      const items = owedOf(book, school, e.deadlines, now);
      if (items.length === 0) continue;
      const previous = latest.get(e.family);
      if (previous && previous.at >= e.at) continue;
      const to = { kind: "school" as const, school };
      latest.set(
        e.family,
        e.kind === "reminder"
          ? {
              kind: "reminder",
              dedupeKey: `reminder:${campaign.slug}:${school}:${e.groupId}:${e.trigger}`,
              campaign: campaign.slug,
              at: e.at,
              to,
              trigger: e.trigger,
              items,
            }
          : { kind: "overdue", dedupeKey: `overdue:${campaign.slug}:${school}:${e.groupId}`, campaign: campaign.slug, at: e.at, to, items },
      );
    }
    planned.push(...latest.values());
  }

  if (campaign.officials.length) {
    const digest = events.digests.filter((d) => inWindow(d.at) && fresh(d.at)).at(-1);
    if (digest) {
      const dedupeKey = `digest:${campaign.slug}:${digest.final ? "final" : digest.day}`;
      planned.push({ kind: "digest", dedupeKey, campaign: campaign.slug, at: digest.at, to: { kind: "officials" }, day: digest.day, final: digest.final });
    }
  }
  return planned.sort((a, b) => a.at.getTime() - b.at.getTime() || (a.dedupeKey < b.dedupeKey ? -1 : 1));
}

/** The next instant after `now` at which something could fall due; null when nothing will. */
export function nextWakeUp(campaign: Campaign, now: Date, options: PlanOptions = {}): Date | null {
  const events = eventsOf(campaign, options);
  const instants = events.school.map((e) => e.at);
  if (campaign.officials.length) instants.push(...events.digests.map((d) => d.at));
  return instants.filter((t) => t > now).reduce<Date | null>((min, t) => (min && min <= t ? min : t), null);
}

function owedOf(book: StatusBook, school: string, deadlines: readonly Deadline[], now: Date): OwedDeadline[] {
  const owed: OwedDeadline[] = [];
  for (const deadline of deadlines) {
    const status = book.status(school, deadline, now);
    if (stillOwed(status)) owed.push({ title: deadline.title, dueAt: deadline.dueAt, deadline, status, overdue: deadline.dueAt <= now });
  }
  return owed;
}

/**
 * The events depend on the campaign's configuration alone, so they are computed once per
 * campaign object (campaign-time conversions are slow: a scheduler loop calls this often).
 */
const eventCache = new WeakMap<Campaign, Map<string, { school: SchoolEvent[]; digests: DigestEvent[] }>>();

function eventsOf(campaign: Campaign, options: PlanOptions): { school: SchoolEvent[]; digests: DigestEvent[] } {
  const key = `${options.overdueGraceMinutes ?? 30}`;
  const byOptions = eventCache.get(campaign) ?? new Map<string, { school: SchoolEvent[]; digests: DigestEvent[] }>();
  eventCache.set(campaign, byOptions);
  let events = byOptions.get(key);
  if (!events) {
    events = { school: schoolEvents(campaign, options), digests: digestEvents(campaign, options) };
    byOptions.set(key, events);
  }
  return events;
}

/** Every reminder and overdue event of the campaign: config only, the same in every run. */
function schoolEvents(campaign: Campaign, options: PlanOptions): SchoolEvent[] {
  const graceMs = (options.overdueGraceMinutes ?? 30) * MINUTE;
  const events: SchoolEvent[] = [];
  for (const group of deadlineGroups(requirementDeadlines(campaign))) {
    const groupId = group.map((d) => d.id).join("+");
    const dueAt = group[0]!.dueAt;
    const reminders = new Map<number, { trigger: string; deadlines: Deadline[] }>();
    const addReminder = (at: Date, trigger: string, d: Deadline) => {
      if (at >= dueAt) return;
      const slot = reminders.get(at.getTime()) ?? { trigger, deadlines: [] };
      if (!slot.deadlines.includes(d)) slot.deadlines.push(d);
      reminders.set(at.getTime(), slot);
    };
    for (const d of group) {
      for (const offset of d.reminders) addReminder(reminderInstant(d, offset, campaign.timezone), offset, d);
      if (d.remindAt) addReminder(d.remindAt, "daily", d);
    }
    for (const [at, slot] of reminders) {
      events.push({ kind: "reminder", at: new Date(at), groupId, family: `reminder|${groupId}`, trigger: slot.trigger, dueAt, deadlines: slot.deadlines });
    }
    const noticed = group.filter((d) => d.overdueNotice);
    if (noticed.length) {
      // The days of a daily requirement are one family: after a gap only the latest day is noticed.
      const family = `overdue|${groupId.replace(/@\d{4}-\d{2}-\d{2}/g, "")}`;
      events.push({ kind: "overdue", at: new Date(dueAt.getTime() + graceMs), groupId, family, trigger: "overdue", dueAt, deadlines: noticed });
    }
  }
  return events.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** Deadlines that fall at the same instant, in campaign order. */
function deadlineGroups(deadlines: readonly Deadline[]): Deadline[][] {
  const groups = new Map<number, Deadline[]>();
  for (const d of deadlines) groups.set(d.dueAt.getTime(), [...(groups.get(d.dueAt.getTime()) ?? []), d]);
  return [...groups.values()];
}

function digestEvents(campaign: Campaign, options: PlanOptions): DigestEvent[] {
  const tz = campaign.timezone;
  const slot = (day: string) => zonedToInstant(`${day} ${campaign.digest.at}`, tz);
  const lastDue = requirementDeadlines(campaign).reduce((t, d) => Math.max(t, d.dueAt.getTime()), -Infinity);
  let finalDay = campaign.period.end;
  if (Number.isFinite(lastDue)) {
    const threshold = new Date(lastDue + (options.overdueGraceMinutes ?? 30) * MINUTE);
    let day = campaignDay(threshold, tz);
    if (slot(day) < threshold) day = addDays(day, 1);
    if (day > finalDay) finalDay = day;
  }
  return campaignDays(campaign.period.start, finalDay).map((day) => ({ at: slot(day), day, final: day === finalDay }));
}
