import { sql } from "drizzle-orm";
import type { Executor } from "../client.ts";

/**
 * The hourly 回执 cap, counted by the mails' received time (a backlog replayed days later is
 * judged by when each mail arrived, not when it was processed) and atomically: the
 * transaction that files a mail takes a lock per recipient address before counting, so a
 * second worker filing a mail for the same address waits for the first to commit and then
 * counts its 回执 too. Hours are clock hours of the received time (UTC hours; every campaign
 * time zone we serve is a whole hour away from UTC).
 */
/** Call inside the filing transaction: the lock is held until it commits. */
export async function acksInReceivedHour(tx: Executor, address: string, receivedAt: Date): Promise<number> {
  const to = address.trim().toLowerCase();
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`ack-cap:${to}`}, 0))`);
  const { rows } = await tx.execute<{ n: number }>(sql`
    select count(*)::int as n
    from outbox o join messages m on m.id = o.related_message_id
    where o.kind = 'ack' and o.status <> 'suppressed' and lower(o.to_address) = ${to}
      and m.received_at >= date_trunc('hour', ${receivedAt.toISOString()}::timestamptz at time zone 'UTC') at time zone 'UTC'
      and m.received_at < (date_trunc('hour', ${receivedAt.toISOString()}::timestamptz at time zone 'UTC') at time zone 'UTC') + interval '1 hour'`);
  return rows[0]?.n ?? 0;
}
