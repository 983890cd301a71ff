import { and, asc, eq, exists, gte, inArray, isNull, lte, ne, notExists, sql } from "drizzle-orm";
import { campaignSchema, type MailboxConfig } from "@baosong/core";
import type { Executor } from "../client.ts";
import { campaigns, mailboxes, mailReceipts } from "../schema/campaigns.ts";
import { messages } from "../schema/messages.ts";

/**
 * The poller's persistence: a mailbox's IMAP state and the ledger of (UIDVALIDITY, UID)
 * secured from it. Every write here is safe to repeat, so a poller that crashes at any point
 * and starts again files nothing twice and loses nothing (SPEC §8).
 */

export type MailReceipt = typeof mailReceipts.$inferSelect;
export type NewMailReceipt = Omit<typeof mailReceipts.$inferInsert, "id" | "securedAt" | "markedAt">;

export interface MailboxState {
  id: number;
  campaignId: number;
  key: string;
  folder: string;
  /** Null until a poller first opened the folder. */
  uidValidity: number | null;
  /** Highest UID (of `uidValidity`) whose raw bytes are stored and whose job is enqueued. */
  lastUid: number;
}

/** A configured mailbox as the poller runs it: the row and its part of the campaign config. */
export interface PollableMailbox {
  mailboxId: number;
  campaignId: number;
  campaignSlug: string;
  key: string;
  config: MailboxConfig;
}

/** last_error is read by people on the dashboard: keep it to a readable size. */
const MAX_ERROR_CHARS = 1000;

export async function getMailboxState(db: Executor, mailboxId: number): Promise<MailboxState | null> {
  const [row] = await db
    .select({
      id: mailboxes.id,
      campaignId: mailboxes.campaignId,
      key: mailboxes.key,
      folder: mailboxes.folder,
      uidValidity: mailboxes.uidValidity,
      lastUid: mailboxes.lastUid,
    })
    .from(mailboxes)
    .where(eq(mailboxes.id, mailboxId));
  return row ?? null;
}

/**
 * Every mailbox row whose campaign still configures it, with that configuration. A mailbox
 * dropped from its campaign's YAML keeps its row (and its filed mail) but is not polled.
 */
export async function listPollableMailboxes(db: Executor): Promise<PollableMailbox[]> {
  const rows = await db
    .select({ mailboxId: mailboxes.id, campaignId: mailboxes.campaignId, key: mailboxes.key, slug: campaigns.slug, config: campaigns.config })
    .from(mailboxes)
    .innerJoin(campaigns, eq(campaigns.id, mailboxes.campaignId))
    .orderBy(asc(mailboxes.id));
  const found: PollableMailbox[] = [];
  for (const r of rows) {
    const config = campaignSchema.parse(r.config).mailboxes.find((m) => m.id === r.key);
    if (config) found.push({ mailboxId: r.mailboxId, campaignId: r.campaignId, campaignSlug: r.slug, key: r.key, config });
  }
  return found;
}

/**
 * The folder has a UIDVALIDITY we have not seen (first run, or the server renumbered it):
 * every UID we knew is meaningless now, so the sweep starts again from the first message.
 * Already-secured mail is recognised by Message-ID and size, not downloaded again.
 */
export async function recordUidValidity(db: Executor, mailboxId: number, uidValidity: number): Promise<void> {
  await db
    .update(mailboxes)
    .set({ uidValidity, lastUid: 0 })
    .where(and(eq(mailboxes.id, mailboxId), sql`${mailboxes.uidValidity} is distinct from ${uidValidity}`));
}

/** Moves last_uid forward, never backwards, and only within the UIDVALIDITY it belongs to. */
export async function advanceLastUid(db: Executor, mailboxId: number, uidValidity: number, uid: number): Promise<void> {
  await db
    .update(mailboxes)
    .set({ lastUid: sql`greatest(${mailboxes.lastUid}, ${uid})` })
    .where(and(eq(mailboxes.id, mailboxId), eq(mailboxes.uidValidity, uidValidity)));
}

/** A sweep finished: the poller is alive, and whatever went wrong before is over. */
export async function recordHeartbeat(db: Executor, mailboxId: number, options: { clearError?: boolean } = {}): Promise<void> {
  const clear = options.clearError ? { lastError: null, lastErrorAt: null } : {};
  await db
    .update(mailboxes)
    .set({ heartbeatAt: sql`now()`, ...clear })
    .where(eq(mailboxes.id, mailboxId));
}

/** The message must not carry secrets: callers pass an error text, never option objects. */
export async function recordMailboxError(db: Executor, mailboxId: number, message: string): Promise<void> {
  await db
    .update(mailboxes)
    .set({ lastError: message.slice(0, MAX_ERROR_CHARS), lastErrorAt: sql`now()` })
    .where(eq(mailboxes.id, mailboxId));
}

export async function clearMailboxError(db: Executor, mailboxId: number): Promise<void> {
  await db.update(mailboxes).set({ lastError: null, lastErrorAt: null }).where(eq(mailboxes.id, mailboxId));
}

/** Returns false when this (UIDVALIDITY, UID) was already recorded: a repeat is a no-op. */
export async function recordReceipt(db: Executor, receipt: NewMailReceipt): Promise<boolean> {
  const inserted = await db
    .insert(mailReceipts)
    .values(receipt)
    .onConflictDoNothing({ target: [mailReceipts.mailboxId, mailReceipts.uidValidity, mailReceipts.uid] })
    .returning({ id: mailReceipts.id });
  return inserted.length > 0;
}

/** Receipts a mailbox already holds for UIDs `fromUid`…`toUid` of one UIDVALIDITY: one query per listed window. */
export async function findReceiptsInRange(db: Executor, mailboxId: number, uidValidity: number, fromUid: number, toUid: number): Promise<MailReceipt[]> {
  return db
    .select()
    .from(mailReceipts)
    .where(and(eq(mailReceipts.mailboxId, mailboxId), eq(mailReceipts.uidValidity, uidValidity), gte(mailReceipts.uid, fromUid), lte(mailReceipts.uid, toUid)))
    .orderBy(asc(mailReceipts.uid));
}

/** Records many receipts in one INSERT; a (UIDVALIDITY, UID) already recorded is left as it is. */
export async function recordReceipts(db: Executor, receipts: readonly NewMailReceipt[]): Promise<void> {
  if (!receipts.length) return;
  await db
    .insert(mailReceipts)
    .values([...receipts])
    .onConflictDoNothing({ target: [mailReceipts.mailboxId, mailReceipts.uidValidity, mailReceipts.uid] });
}

/**
 * `findResyncMatch` for a whole listed window in one query: per Message-ID and size, the
 * earliest receipt of another UIDVALIDITY. Keyed by `resyncKey`.
 */
export async function findResyncMatches(
  db: Executor,
  mailboxId: number,
  candidates: readonly { messageIdHeader: string; sizeBytes: number }[],
  notUidValidity: number,
): Promise<Map<string, MailReceipt>> {
  const found = new Map<string, MailReceipt>();
  if (!candidates.length) return found;
  const rows = await db
    .select()
    .from(mailReceipts)
    .where(
      and(
        eq(mailReceipts.mailboxId, mailboxId),
        inArray(mailReceipts.messageIdHeader, [...new Set(candidates.map((c) => c.messageIdHeader))]),
        ne(mailReceipts.uidValidity, notUidValidity),
      ),
    )
    .orderBy(asc(mailReceipts.id));
  for (const row of rows) {
    const key = resyncKey({ messageIdHeader: row.messageIdHeader!, sizeBytes: row.sizeBytes });
    if (!found.has(key)) found.set(key, row);
  }
  return found;
}

/** How `findResyncMatches` keys a mail: its Message-ID header and size together. */
export function resyncKey(m: { messageIdHeader: string; sizeBytes: number }): string {
  return `${m.sizeBytes} ${m.messageIdHeader}`;
}

/** Which of these raw messages the worker has filed (a `messages` row exists for each): one query per batch. */
export async function listFiledRawSha256s(db: Executor, mailboxId: number, rawSha256s: readonly string[]): Promise<Set<string>> {
  if (!rawSha256s.length) return new Set();
  const rows = await db
    .select({ rawSha256: messages.rawSha256 })
    .from(messages)
    .where(and(eq(messages.mailboxId, mailboxId), inArray(messages.rawSha256, [...new Set(rawSha256s)])));
  return new Set(rows.map((r) => r.rawSha256));
}

/**
 * Receipts of the current UIDVALIDITY whose mail is filed but not yet flagged or moved: the
 * mailbox is touched only after the filing committed (SPEC §9).
 */
export async function listFiledUnmarkedReceipts(db: Executor, mailboxId: number, uidValidity: number, limit = 500): Promise<MailReceipt[]> {
  return db
    .select()
    .from(mailReceipts)
    .where(
      and(
        eq(mailReceipts.mailboxId, mailboxId),
        eq(mailReceipts.uidValidity, uidValidity),
        isNull(mailReceipts.markedAt),
        exists(
          db
            .select({ one: sql`1` })
            .from(messages)
            .where(and(eq(messages.mailboxId, mailReceipts.mailboxId), eq(messages.rawSha256, mailReceipts.rawSha256))),
        ),
      ),
    )
    .orderBy(asc(mailReceipts.uid))
    .limit(limit);
}

export async function markReceipts(db: Executor, ids: readonly number[]): Promise<void> {
  if (!ids.length) return;
  await db
    .update(mailReceipts)
    .set({ markedAt: sql`now()` })
    .where(and(inArray(mailReceipts.id, [...ids]), isNull(mailReceipts.markedAt)));
}

/** A secured mail the worker has not filed, with what its `mail.ingest` job carries. */
export interface UnfiledReceipt {
  campaignId: number;
  mailboxId: number;
  rawSha256: string;
  uidValidity: number;
  uid: number;
  sizeBytes: number;
  internalDate: Date;
}

/**
 * Secured mails with no filed message: the ingest sweep makes sure each has a job, so a job
 * lost with Redis (a restart without persistence) is planned again. Filing comes before
 * marking, so every such receipt is unmarked and the partial index keeps this cheap. One row
 * per raw mail (a resync records the same mail under a second UIDVALIDITY).
 */
export async function listUnfiledReceipts(
  db: Executor,
  limit = 500,
  /** The last row of the previous page: pages go by (mailbox, raw SHA-256). */
  after?: Pick<UnfiledReceipt, "mailboxId" | "rawSha256">,
): Promise<UnfiledReceipt[]> {
  const rows = await db
    .selectDistinctOn([mailReceipts.mailboxId, mailReceipts.rawSha256], {
      campaignId: mailboxes.campaignId,
      mailboxId: mailReceipts.mailboxId,
      rawSha256: mailReceipts.rawSha256,
      uidValidity: mailReceipts.uidValidity,
      uid: mailReceipts.uid,
      sizeBytes: mailReceipts.sizeBytes,
      internalDate: mailReceipts.internalDate,
    })
    .from(mailReceipts)
    .innerJoin(mailboxes, eq(mailboxes.id, mailReceipts.mailboxId))
    .where(
      and(
        isNull(mailReceipts.markedAt),
        after ? sql`(${mailReceipts.mailboxId}, ${mailReceipts.rawSha256}) > (${after.mailboxId}, ${after.rawSha256})` : undefined,
        notExists(
          db
            .select({ one: sql`1` })
            .from(messages)
            .where(and(eq(messages.mailboxId, mailReceipts.mailboxId), eq(messages.rawSha256, mailReceipts.rawSha256))),
        ),
      ),
    )
    .orderBy(mailReceipts.mailboxId, mailReceipts.rawSha256, asc(mailReceipts.id))
    .limit(limit);
  return rows;
}
