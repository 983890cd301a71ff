import type { OwedItem } from "../outgoing/acknowledgement.ts";
import type { Campaign, DocumentKind } from "../campaign.ts";
import { campaignDay } from "../campaign-time.ts";
import { kindLabels } from "../kinds.ts";
import { deadlineFor, requirementDeadlines, type Deadline } from "./requirement-times.ts";

/** Where a school stands on one deadline; the `status` column of dashboard.school_status. */
export type ItemStatus = "missing" | "on_time" | "late" | "invalid";

/** One item filed toward a deadline. */
export interface Submission {
  receivedAt: Date;
  /** False when the document's parse_status is `invalid` or `unreadable` (the rule of dashboard.school_status). */
  valid: boolean;
}

/**
 * What a school has sent toward one deadline. A school × deadline with nothing received
 * needs no row: a missing row reads as "missing". `submissions` needs at least the
 * earliest and the latest item (and for a daily deadline one valid item, if any); more do
 * no harm.
 */
export interface SchoolStatus {
  /** The roster name (campaign.schools[].name). */
  school: string;
  /** Deadline.id: `${requirementId}` or `${requirementId}@${day}`. */
  deadlineId: string;
  submissions: readonly Submission[];
}

/**
 * The status at `now` (items received after `now` are not yet known), by the same rule as
 * dashboard.school_status so the dashboard, the digest and the reminders agree:
 * - a single deadline's form or report is superseded by each newer version (SPEC §4), so
 *   the latest item decides whether it is "invalid"; a daily deadline collects the day's
 *   items, so one valid item of the day is enough;
 * - otherwise "on_time" when anything arrived by the deadline (a flawed form sent on time
 *   and fixed later still met it), else "late".
 */
export function statusOf(deadline: Pick<Deadline, "dueAt" | "day">, submissions: readonly Submission[], now: Date): ItemStatus {
  const known = submissions.filter((s) => s.receivedAt <= now);
  if (known.length === 0) return "missing";
  const latest = known.reduce((a, b) => (b.receivedAt > a.receivedAt ? b : a));
  const flawed = deadline.day === null ? !latest.valid : !known.some((s) => s.valid);
  if (flawed) return "invalid";
  return known.some((s) => s.receivedAt <= deadline.dueAt) ? "on_time" : "late";
}

/** A filed document as the database has it (dashboard.documents joined with messages). */
export interface FiledItem {
  /** The roster name; unattributed items count for no school. */
  school: string;
  kind: DocumentKind;
  /** dashboard.documents.activity_day (YYYY-MM-DD). */
  activityDay: string | null;
  /** The server's INTERNALDATE (SPEC §9), not the Date header. */
  receivedAt: Date;
  valid: boolean;
}

/** Files each document under the deadline it counts toward (see deadlineFor). */
export function schoolStatuses(campaign: Campaign, items: readonly FiledItem[]): SchoolStatus[] {
  const deadlines = requirementDeadlines(campaign);
  const byKey = new Map<string, SchoolStatus & { submissions: Submission[] }>();
  for (const item of items) {
    const deadline = deadlineFor(deadlines, item.kind, item.activityDay);
    if (!deadline) continue;
    const key = `${item.school}\u0000${deadline.id}`;
    const status = byKey.get(key) ?? { school: item.school, deadlineId: deadline.id, submissions: [] };
    status.submissions.push({ receivedAt: item.receivedAt, valid: item.valid });
    byKey.set(key, status);
  }
  return [...byKey.values()];
}

/** Whether the school still owes a good item for this deadline. */
export function stillOwed(status: ItemStatus): status is "missing" | "invalid" {
  return status === "missing" || status === "invalid";
}

/** Statuses indexed by school and deadline, for lookups inside loops over the roster. */
export class StatusBook {
  private readonly byKey = new Map<string, Submission[]>();

  constructor(statuses: readonly SchoolStatus[]) {
    for (const s of statuses) {
      const key = StatusBook.key(s.school, s.deadlineId);
      this.byKey.set(key, [...(this.byKey.get(key) ?? []), ...s.submissions]);
    }
  }

  submissions(school: string, deadlineId: string): readonly Submission[] {
    return this.byKey.get(StatusBook.key(school, deadlineId)) ?? [];
  }

  status(school: string, deadline: Deadline, now: Date): ItemStatus {
    return statusOf(deadline, this.submissions(school, deadline.id), now);
  }

  private static key(school: string, deadlineId: string): string {
    return `${school}\u0000${deadlineId}`;
  }
}

/** An item a school still owes, as the 回执 lists it (assignable to OwedItem). */
export interface OwedDeadline extends OwedItem {
  deadline: Deadline;
  status: "missing" | "invalid";
  /** The deadline has passed: a late item is still wanted. */
  overdue: boolean;
}

/**
 * What a school still owes and by when, for the 回执: every single-deadline item without a
 * good submission (overdue ones too, since late forms are still collected), and of a daily
 * requirement only today's item while today's deadline is ahead (yesterday's news is no
 * longer asked for; tomorrow's is not owed yet).
 */
export function owedItems(campaign: Campaign, school: string, statuses: readonly SchoolStatus[], now: Date): OwedDeadline[] {
  const book = new StatusBook(statuses.filter((s) => s.school === school));
  const today = campaignDay(now, campaign.timezone);
  const owed: OwedDeadline[] = [];
  for (const deadline of requirementDeadlines(campaign)) {
    if (deadline.day !== null && (deadline.day !== today || deadline.dueAt <= now)) continue;
    const status = book.status(school, deadline, now);
    if (!stillOwed(status)) continue;
    owed.push({ title: deadline.title, dueAt: deadline.dueAt, deadline, status, overdue: deadline.dueAt <= now });
  }
  return owed.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
}

/** One column of the school × item matrix. */
export interface MatrixColumn {
  deadlineId: string;
  /** 信息采集表, or the day (5月16日) of a daily item. */
  label: string;
  /** The requirement a daily column belongs to, for a two-row header; null for a single item. */
  group: string | null;
  dueAt: Date;
}

export interface StatusMatrix {
  columns: MatrixColumn[];
  rows: { school: string; cells: ItemStatus[] }[];
}

/**
 * The school × item matrix as it stands at `now` (SPEC §5 digest, §6 school_status): every
 * single deadline, and the daily deadlines up to and including `now`'s campaign day.
 */
export function statusMatrix(campaign: Campaign, statuses: readonly SchoolStatus[], now: Date): StatusMatrix {
  const book = new StatusBook(statuses);
  const today = campaignDay(now, campaign.timezone);
  const shown = requirementDeadlines(campaign).filter((d) => d.day === null || d.day <= today);
  return {
    columns: shown.map((d) => ({ deadlineId: d.id, dueAt: d.dueAt, ...columnLabel(d) })),
    rows: campaign.schools.map((s) => ({ school: s.name, cells: shown.map((d) => book.status(s.name, d, now)) })),
  };
}

function columnLabel(d: Deadline): { label: string; group: string | null } {
  if (d.day === null) return { label: kindLabels[d.kind], group: null };
  const [, month, day] = d.day.split("-").map(Number) as [number, number, number];
  return { label: `${month}月${day}日`, group: kindLabels[d.kind] };
}

/**
 * schoolStatuses for filed items read one at a time (a cursor's rows): of each school's
 * items toward a deadline it keeps only what statusOf needs at `now` — the first earliest,
 * the first latest and the first valid item known by then — so memory follows schools ×
 * deadlines, not the number of files (a photo-heavy campaign of 10,000 schools files
 * hundreds of thousands). statusOf gives the same status on them as on all the items.
 */
export class SchoolStatusCollector {
  private readonly deadlines: Deadline[];
  private readonly byKey = new Map<string, { school: string; deadlineId: string; earliest: Submission; latest: Submission; valid: Submission | null }>();

  constructor(
    campaign: Campaign,
    private readonly now: Date,
  ) {
    this.deadlines = requirementDeadlines(campaign);
  }

  add(item: FiledItem): void {
    if (item.receivedAt > this.now) return; // not known yet at `now`, as statusOf has it
    const deadline = deadlineFor(this.deadlines, item.kind, item.activityDay);
    if (!deadline) return;
    const submission: Submission = { receivedAt: item.receivedAt, valid: item.valid };
    const key = `${item.school}\u0000${deadline.id}`;
    const seen = this.byKey.get(key);
    if (!seen) {
      this.byKey.set(key, { school: item.school, deadlineId: deadline.id, earliest: submission, latest: submission, valid: item.valid ? submission : null });
      return;
    }
    if (submission.receivedAt < seen.earliest.receivedAt) seen.earliest = submission;
    if (submission.receivedAt > seen.latest.receivedAt) seen.latest = submission;
    if (!seen.valid && item.valid) seen.valid = submission;
  }

  statuses(): SchoolStatus[] {
    return [...this.byKey.values()].map(({ school, deadlineId, earliest, latest, valid }) => ({
      school,
      deadlineId,
      submissions: [...new Set([earliest, latest, valid].filter((s): s is Submission => s !== null))],
    }));
  }
}
