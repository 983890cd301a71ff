import { sql, type SQL } from "drizzle-orm";
import type { OwedItem } from "@baosong/core";
import { owedRequirementsJsonSql } from "./filings.repository.ts";
import type { Executor } from "../client.ts";

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

/**
 * The cap's count and what the school still owes (requirements with a single deadline it has
 * delivered nothing of), in one round trip for the filing of a mail: the cap's lock first (its
 * own statement, so the count that follows sees what the lock's previous holder committed),
 * then both reads in one statement. Call inside the filing transaction: the lock is held until
 * it commits.
 */
export async function acknowledgementFacts(
  tx: Executor,
  r: { toAddress: string | null; receivedAt: Date; campaignId: number; schoolId: number | null },
): Promise<AcknowledgementFacts> {
  const to = r.toAddress?.trim().toLowerCase() || null;
  if (to) await lockAckCap(tx, to);
  if (!to && r.schoolId === null) return { sentInReceivedHour: 0, owed: [] };
  const sent = to ? acksInHourSql(to, r.receivedAt) : sql`0`;
  const owed = r.schoolId === null ? sql`'[]'::json` : owedRequirementsJsonSql(r.campaignId, r.schoolId);
  const { rows } = await tx.execute<{ sent: number; owed: { title: string; dueAt: string }[] }>(sql`select ${sent} as sent, ${owed} as owed`);
  const row = rows[0]!;
  return { sentInReceivedHour: row.sent, owed: row.owed.map((o) => ({ title: o.title, dueAt: new Date(o.dueAt) })) };
}

function lockAckCap(tx: Executor, to: string) {
  return tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`ack-cap:${to}`}, 0))`);
}

/** The acks to `to` counted for the clock hour (UTC) of `receivedAt`, as a scalar subquery. */
function acksInHourSql(to: string, receivedAt: Date): SQL {
  const at = receivedAt.toISOString();
  return sql`(select count(*)::int
    from outbox o join messages m on m.id = o.related_message_id
    where o.kind = 'ack' and o.status <> 'suppressed' and lower(o.to_address) = ${to}
      and m.received_at >= date_trunc('hour', ${at}::timestamptz at time zone 'UTC') at time zone 'UTC'
      and m.received_at < (date_trunc('hour', ${at}::timestamptz at time zone 'UTC') at time zone 'UTC') + interval '1 hour')`;
}
