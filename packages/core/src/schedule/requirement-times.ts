import type { Campaign, DocumentKind, Requirement } from "../campaign.ts";
import { zonedToInstant } from "../campaign-time.ts";

/**
 * The concrete deadlines of a campaign (SPEC §1, §7): a `due` requirement has one, a `daily`
 * requirement one per campaign day from..to at `by`. All instants are computed from the
 * campaign's wall clock, so they are right whatever zone the server runs in.
 */
export interface Deadline {
  /** Stable across runs and processes: `${requirementId}` or `${requirementId}@${day}`. */
  id: string;
  requirementId: string;
  kind: DocumentKind;
  title: string;
  /** The campaign day of a daily deadline; null for a single `due`. */
  day: string | null;
  /** The deadline as written, in campaign time: "YYYY-MM-DD HH:MM". */
  local: string;
  dueAt: Date;
  /** Offsets before the deadline at which to remind ("3d", "12h", "30m"). */
  reminders: readonly string[];
  /** A daily deadline's same-day reminder (`daily.remind_at`); null when none or not before `by`. */
  remindAt: Date | null;
  overdueNotice: boolean;
}

/** In the campaign's order of requirements, a daily requirement's days in order. */
export function requirementDeadlines(campaign: Campaign): Deadline[] {
  const tz = campaign.timezone;
  const deadlines: Deadline[] = [];
  for (const r of campaign.requirements) {
    const common = { requirementId: r.id, kind: r.kind, title: r.title, reminders: r.reminders, overdueNotice: r.overdue_notice };
    if (r.due) {
      const local = r.due.replace("T", " ");
      deadlines.push({ ...common, id: r.id, day: null, local, dueAt: zonedToInstant(local, tz), remindAt: null });
    } else if (r.daily) {
      for (const day of campaignDays(r.daily.from, r.daily.to)) {
        deadlines.push({ ...common, id: `${r.id}@${day}`, day, ...dailyTimes(r, day, tz) });
      }
    }
  }
  return deadlines;
}

function dailyTimes(r: Requirement, day: string, tz: string): Pick<Deadline, "local" | "dueAt" | "remindAt"> {
  const local = `${day} ${r.daily!.by}`;
  const dueAt = zonedToInstant(local, tz);
  const remind = r.daily!.remind_at ? zonedToInstant(`${day} ${r.daily!.remind_at}`, tz) : null;
  return { local, dueAt, remindAt: remind && remind < dueAt ? remind : null };
}

/**
 * The instant of a reminder `offset` before a deadline. Days count on the campaign's wall
 * clock ("1d" before 18:00 is 18:00 the day before, even across a DST change); hours and
 * minutes are elapsed time.
 */
export function reminderInstant(deadline: Pick<Deadline, "local" | "dueAt">, offset: string, timeZone: string): Date {
  const m = /^(\d+)([dhm])$/.exec(offset);
  if (!m) throw new RangeError(`not a reminder offset: ${offset}`);
  const n = Number(m[1]);
  if (m[2] === "d") {
    const [day, clock] = deadline.local.split(" ") as [string, string];
    return zonedToInstant(`${addDays(day, -n)} ${clock}`, timeZone);
  }
  return new Date(deadline.dueAt.getTime() - n * (m[2] === "h" ? 3_600_000 : 60_000));
}

/** Every calendar day from `from` to `to` inclusive (YYYY-MM-DD). */
export function campaignDays(from: string, to: string): string[] {
  const days: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) days.push(d);
  return days;
}

/** Calendar arithmetic on a YYYY-MM-DD date (no time zone involved). */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/**
 * Which deadline a filed item counts toward: the requirement of its kind, and for a daily
 * requirement the deadline of its campaign day. A video counts toward a photo requirement
 * (as dashboard.school_status has it); photos and videos of a day count toward a daily news
 * requirement (“每日信息：稿件、照片、视频”) when no requirement of their own takes them.
 */
export function deadlineFor(deadlines: readonly Deadline[], kind: DocumentKind, activityDay: string | null): Deadline | null {
  const fallbacks: Partial<Record<DocumentKind, DocumentKind[]>> = {
    media_photo: ["media_photo", "daily_report"],
    media_video: ["media_video", "media_photo", "daily_report"],
  };
  for (const k of fallbacks[kind] ?? [kind]) {
    const ofKind = deadlines.filter((d) => d.kind === k && (k === kind || k !== "daily_report" || d.day !== null));
    if (ofKind.length) return ofKind.find((d) => d.day === null || d.day === activityDay) ?? null;
  }
  return null;
}
