import { and, asc, eq, gte, inArray, isNull, lt, lte, ne, or, sql } from "drizzle-orm";
import { plainQuery, type Executor } from "../client.ts";
import { outbox } from "../schema/messages.ts";
import { withoutNul } from "../pg-text.ts";

export type OutboxRow = typeof outbox.$inferSelect;
export type OutboxStatus = "queued" | "sending" | "sent" | "failed" | "suppressed";

/** An outgoing mail as its author creates it; delivery state starts empty. */
export type NewOutboxMail = Omit<
  typeof outbox.$inferInsert,
  "id" | "status" | "attempts" | "lastError" | "nextAttemptAt" | "claimedAt" | "handedOverAt" | "createdAt" | "sentAt"
> & { status?: "queued" | "suppressed" };

export interface EnqueuedOutbox {
  id: number;
  /** False when a row with this dedupe key already existed: nothing was added. */
  created: boolean;
  status: string;
}

/**
 * A `sending` claim not renewed for this long belongs to a dead sender. Live senders renew
 * every quarter of it, so it need not cover the longest send.
 */
export const DEFAULT_CLAIM_STALE_MS = 40_000;

/** last_error is for people reading the dashboard, not a dump: keep it to a readable size. */
const MAX_ERROR_CHARS = 1000;

/**
 * Adds an outgoing mail unless one with the same dedupe key exists (a repeated job, a
 * restart): the unique key is what makes every mail go out once.
 */
export async function enqueueOutbox(db: Executor, mail: NewOutboxMail): Promise<EnqueuedOutbox> {
  const [inserted] = await db
    .insert(outbox)
    .values(withoutNul({ ...mail, status: mail.status ?? "queued" }))
    .onConflictDoNothing({ target: outbox.dedupeKey })
    .returning({ id: outbox.id, status: outbox.status });
  if (inserted) return { ...inserted, created: true };
  const [existing] = await db.select({ id: outbox.id, status: outbox.status }).from(outbox).where(eq(outbox.dedupeKey, mail.dedupeKey));
  if (!existing) throw new Error(`outbox row ${mail.dedupeKey} neither inserted nor found`);
  return { ...existing, created: false };
}

export async function findOutbox(db: Executor, id: number): Promise<OutboxRow | null> {
  const [row] = await db.select().from(outbox).where(eq(outbox.id, id));
  return row ?? null;
}

/** A claimed row, with the version (`xmin`) of its campaign's row read in the same statement. */
export type ClaimedOutbox = OutboxRow & { campaignVersion: string | null };

/*
 * The sender's statements, run once per mail: plain SQL, not the query builder, which cost
 * more CPU than the statements did. Unnamed: the embedded PGlite serves every connection from
 * one session, where two connections preparing one name would collide.
 */
const ROW_COLUMNS = `o.id, o.campaign_id as "campaignId", o.kind, o.dedupe_key as "dedupeKey", o.to_address as "toAddress",
  o.subject, o.text_body as "textBody", o.html_body as "htmlBody", o.our_message_id as "ourMessageId",
  o.in_reply_to as "inReplyTo", o."references", o.attachments, o.related_message_id as "relatedMessageId",
  o.school_id as "schoolId", o.status, o.suppressed_reason as "suppressedReason", o.attempts, o.last_error as "lastError",
  o.next_attempt_at as "nextAttemptAt", o.claimed_at as "claimedAt", o.handed_over_at as "handedOverAt",
  o.created_at as "createdAt", o.sent_at as "sentAt"`;

const CLAIM = `update outbox o set status = 'sending', claimed_at = now(), attempts = o.attempts + 1
    where o.id = $1 and (o.status = 'queued' or (o.status = 'sending' and o.handed_over_at is null
      and o.claimed_at < now() - $2::double precision * interval '1 millisecond'))
    returning ${ROW_COLUMNS}, (select c.xmin::text from campaigns c where c.id = o.campaign_id) as "campaignVersion"`;
const RENEW = "update outbox set claimed_at = now() where id = $1 and status = 'sending' and attempts = $2";
const RELEASE = `update outbox set status = 'queued', claimed_at = null, attempts = attempts - 1
    where id = $1 and status = 'sending' and attempts = $2 and handed_over_at is null`;
const HANDED_OVER = "update outbox set handed_over_at = now() where id = $1 and status = 'sending' and attempts = $2";
const SENT = "update outbox set status = 'sent', sent_at = now(), next_attempt_at = null, claimed_at = null where id = $1 and status = 'sending'";

/** bigint columns arrive as strings from node-postgres; the schema reads them as numbers. */
function claimedRow(r: Record<string, unknown>): ClaimedOutbox {
  const row = r as ClaimedOutbox;
  row.id = Number(r.id);
  if (r.relatedMessageId !== null) row.relatedMessageId = Number(r.relatedMessageId);
  return row;
}

/**
 * Takes a row for sending: `queued` → `sending`, or a `sending` row whose claim is older
 * than `staleAfterMs` (its sender died between claim and result: the crash window, where
 * resending is the price of never losing a mail). Counts the attempt. Returns null when
 * the row is sent, failed, suppressed or held by another sender. One UPDATE, so of two
 * concurrent claims Postgres lets exactly one win; claim times are the database's clock,
 * shared by every sender host.
 */
export async function claimOutbox(db: Executor, id: number, staleAfterMs: number): Promise<ClaimedOutbox | null> {
  const { rows } = await plainQuery(db, CLAIM, [id, staleAfterMs]);
  return rows[0] ? claimedRow(rows[0]) : null;
}

/**
 * Keeps a claim fresh while its sender is alive (pacing, connecting, uploading), so the stale
 * window can be short: only a sender that stopped renewing — it died — loses the row. The
 * attempt number is the claim's token; a row another sender took over is not renewed.
 */
export async function renewClaim(db: Executor, id: number, attempt: number): Promise<boolean> {
  return ((await plainQuery(db, RENEW, [id, attempt])).rowCount ?? 0) > 0;
}

/**
 * Gives a claimed row back untried (its sender is stopping before the row's turn came): it is
 * `queued` again, its attempt not counted, for the next sender's sweep. Only a row this claim
 * still holds and has not handed over.
 */
export async function releaseClaim(db: Executor, id: number, attempt: number): Promise<boolean> {
  return ((await plainQuery(db, RELEASE, [id, attempt])).rowCount ?? 0) > 0;
}

/**
 * Recorded just before the end of DATA: once the server has the final ".", it may deliver,
 * whatever becomes of this sender. Fails (and the send is aborted before its end, so the
 * server discards it) when the row is no longer this claim's.
 */
export async function markHandedOver(db: Executor, id: number, attempt: number): Promise<void> {
  const { rowCount } = await plainQuery(db, HANDED_OVER, [id, attempt]);
  if (!rowCount) throw new Error(`outbox row ${id} is no longer claimed by attempt ${attempt}`);
}

/**
 * The SMTP-250-then-crash window: a sender died after handing a mail over and before it
 * recorded the server's reply. The server has the mail unless the process died within the
 * microseconds between this mark and writing the last bytes, so it is taken as sent (noted
 * in last_error) and never sent again: a 回执 sent twice is the worse mistake. Returns the ids.
 */
export async function settleHandedOver(db: Executor, staleAfterMs: number): Promise<number[]> {
  const rows = await db
    .update(outbox)
    .set({ status: "sent", sentAt: sql`${outbox.handedOverAt}`, claimedAt: null, lastError: UNCONFIRMED })
    .where(
      and(
        eq(outbox.status, "sending"),
        sql`${outbox.handedOverAt} is not null`,
        lt(outbox.claimedAt, sql`now() - ${staleAfterMs}::double precision * interval '1 millisecond'`),
      ),
    )
    .returning({ id: outbox.id });
  return rows.map((r) => r.id);
}

const UNCONFIRMED =
  "unconfirmed: the sender stopped after handing the whole mail to the SMTP server, before its reply; not sent again, so it is never sent twice";

/** Returns false when the row was no longer ours to finish (it is not `sending`). */
export async function markSent(db: Executor, id: number): Promise<boolean> {
  return ((await plainQuery(db, SENT, [id])).rowCount ?? 0) > 0;
}

/** A temporary failure: back to `queued`, due again at `nextAttemptAt`. */
export async function markRetry(db: Executor, id: number, error: string, nextAttemptAt: Date): Promise<boolean> {
  const rows = await db
    .update(outbox)
    .set({ status: "queued", lastError: error.slice(0, MAX_ERROR_CHARS), nextAttemptAt, claimedAt: null, handedOverAt: null })
    .where(and(eq(outbox.id, id), eq(outbox.status, "sending")))
    .returning({ id: outbox.id });
  return rows.length > 0;
}

/** A permanent failure, or the last attempt spent: a terminal state (SPEC §9). */
export async function markFailed(db: Executor, id: number, error: string): Promise<boolean> {
  const rows = await db
    .update(outbox)
    .set({ status: "failed", lastError: error.slice(0, MAX_ERROR_CHARS), nextAttemptAt: null, claimedAt: null })
    .where(and(eq(outbox.id, id), inArray(outbox.status, ["sending", "queued"])))
    .returning({ id: outbox.id });
  return rows.length > 0;
}

export interface DueOutbox {
  id: number;
  status: string;
}

/**
 * What the sweeper must (re-)enqueue: `queued` rows that are due (new, or their retry time
 * has come) and `sending` rows whose claim went stale. Covers a job lost between the
 * database commit and the enqueue, a Redis restart, and a sender that died mid-send.
 */
export async function listDueOutbox(db: Executor, now: Date, limit: number, staleAfterMs = DEFAULT_CLAIM_STALE_MS): Promise<DueOutbox[]> {
  const staleBefore = new Date(now.getTime() - staleAfterMs);
  return db
    .select({ id: outbox.id, status: outbox.status })
    .from(outbox)
    .where(
      or(
        and(eq(outbox.status, "queued"), or(isNull(outbox.nextAttemptAt), lte(outbox.nextAttemptAt, now))),
        and(eq(outbox.status, "sending"), isNull(outbox.handedOverAt), lt(outbox.claimedAt, staleBefore)),
      ),
    )
    .orderBy(asc(outbox.id))
    .limit(limit);
}

/**
 * Mails of one kind created for an address since `since` that went or will go out
 * (suppressed ones do not count): the per-sender hourly cap. Addresses compare without case;
 * mail clients write the same mailbox as Zhang@QQ.com and zhang@qq.com.
 */
export async function countRecentToAddress(db: Executor, address: string, kind: string, since: Date): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(outbox)
    .where(
      and(sql`lower(${outbox.toAddress}) = ${address.toLowerCase()}`, eq(outbox.kind, kind), gte(outbox.createdAt, since), ne(outbox.status, "suppressed")),
    );
  return row?.n ?? 0;
}
