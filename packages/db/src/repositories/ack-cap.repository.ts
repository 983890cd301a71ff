import type { OwedItem } from "@baosong/core";
import type pg from "pg";
import { prepared } from "../client.ts";

/*
 * The hourly 回执 cap, counted by the mails' received time (a backlog replayed days later is
 * judged by when each mail arrived, not when it was processed) and atomically: the statement
 * that files a mail takes a lock per recipient address before counting (the database function
 * baosong_ack_cap_count), so a second worker filing a mail for the same address waits for the
 * first to commit and then counts its 回执 too. Hours are clock hours of the received time (UTC
 * hours; every campaign time zone we serve is a whole hour away from UTC).
 */

/** A 回执 that nothing else suppresses goes out unless its address reached the cap in the mail's received hour. */
export interface HourlyCap {
  toAddress: string;
  receivedAt: Date;
  maxPerHour: number;
}

/** The suppressed reason of a 回执 over the cap (ackSuppression's). */
export const HOURLY_CAP_REASON = "hourly_cap";

/**
 * Whether the 回执 is over the cap, for the filing statement ($13 the cap, $14 the address, $15
 * the received time): the lock is held until that statement's transaction commits, with the
 * 回执 in the outbox. The count is the function's own statement, after the lock, so it sees what
 * the lock's previous holder committed (READ COMMITTED: a fresh snapshot per statement).
 */
export const OVER_HOURLY_CAP_SQL = "($13::int is not null and baosong_ack_cap_count($14::text, $15::timestamptz) >= $13::int)";

export function hourlyCapValues(cap: HourlyCap | null): [number | null, string | null, Date | null] {
  return cap ? [cap.maxPerHour, cap.toAddress.trim().toLowerCase(), cap.receivedAt] : [null, null, null];
}

export interface OwedRequest {
  campaignId: number;
  schoolId: number;
  /** Kinds this very mail delivers: not owed any more once it is filed. */
  delivering: ReadonlySet<string>;
}

/** What a 回执 lists as still owed: requirements with a single deadline of a kind the school has delivered nothing of, by due time. */
export async function owedRequirements(client: pg.ClientBase, r: OwedRequest): Promise<OwedItem[]> {
  const { rows } = await client.query<{ kind: string; title: string; due_at: Date }>(prepared(client, "owed", OWED, [r.campaignId, r.schoolId]));
  return rows.filter((o) => !r.delivering.has(o.kind)).map((o) => ({ title: o.title, dueAt: o.due_at }));
}

// Daily items are the reminders' business. A file that could not be opened was not delivered:
// the 回执 asks for it again.
const OWED = `select r.kind, r.title, r.due_at from requirements r
  where r.campaign_id = $1 and r.active and r.due_at is not null
    and r.kind not in (
      select distinct d.kind from documents d join messages m on m.id = d.message_id
      where m.campaign_id = $1 and m.school_id = $2 and d.parse_status <> 'unreadable')
  order by r.due_at`;
