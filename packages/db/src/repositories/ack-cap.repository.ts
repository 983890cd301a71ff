import type { OwedItem } from "@baosong/core";
import { prepared } from "../client.ts";
import type pg from "pg";

/*
 * The hourly 回执 cap, counted by the mails' received time (a backlog replayed days later is
 * judged by when each mail arrived, not when it was processed) and atomically: the
 * transaction that files a mail takes a lock per recipient address before counting, so a
 * second worker filing a mail for the same address waits for the first to commit and then
 * counts its 回执 too. Hours are clock hours of the received time (UTC hours; every campaign
 * time zone we serve is a whole hour away from UTC).
 */

/** What a mail's 回执 needs from the database: the acks already counted against its cap, and what its school still owes. */
export interface AcknowledgementFacts {
  sentInReceivedHour: number;
  owed: OwedItem[];
}

export interface AcknowledgementFactsRequest {
  toAddress: string | null;
  receivedAt: Date;
  campaignId: number;
  schoolId: number | null;
  /** Kinds this very mail delivers: not owed any more once it is filed. */
  delivering: ReadonlySet<string>;
}

/**
 * The cap's count and what the school still owes (requirements with a single deadline of a kind
 * it has delivered nothing of), in one round trip for the filing of a mail: the database
 * function baosong_ack_cap_count takes the cap's lock, then counts in a statement of its own (so
 * it sees what the lock's previous holder committed). Call on the filing transaction's
 * connection: the lock is held until it commits.
 */
export async function acknowledgementFacts(client: pg.ClientBase, r: AcknowledgementFactsRequest): Promise<AcknowledgementFacts> {
  const to = r.toAddress?.trim().toLowerCase() || null;
  if (!to && r.schoolId === null) return { sentInReceivedHour: 0, owed: [] };
  const { rows } = await client.query<{ sent: number; owed: { kind: string; title: string; dueAt: string }[] }>(
    prepared(client, "ack_facts", ACK_FACTS, [to, r.receivedAt, r.campaignId, r.schoolId]),
  );
  const row = rows[0]!;
  return {
    sentInReceivedHour: row.sent,
    owed: row.owed.filter((o) => !r.delivering.has(o.kind)).map((o) => ({ title: o.title, dueAt: new Date(o.dueAt) })),
  };
}

// A file that could not be opened was not delivered: the 回执 asks for it again.
const ACK_FACTS = `select
  case when $1::text is null then 0 else baosong_ack_cap_count($1, $2) end as sent,
  case when $4::int is null then '[]'::json else (
    select coalesce(json_agg(json_build_object('kind', r.kind, 'title', r.title, 'dueAt', r.due_at) order by r.due_at), '[]'::json)
    from requirements r
    where r.campaign_id = $3 and r.active and r.due_at is not null
      and r.kind not in (
        select distinct d.kind from documents d join messages m on m.id = d.message_id
        where m.campaign_id = $3 and m.school_id = $4 and d.parse_status <> 'unreadable')
  ) end as owed`;
