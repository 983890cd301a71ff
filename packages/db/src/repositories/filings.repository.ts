import { and, eq, inArray, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import type { Finding } from "@baosong/core";
import type { Database, Executor } from "../client.ts";
import { requirements, schools } from "../schema/campaigns.ts";
import { documents, findings, largeAttachments, messages, outbox } from "../schema/messages.ts";
import { withoutNul } from "../pg-text.ts";
import { settleBudgetSql, type BudgetUse } from "./budgets.repository.ts";

export type NewMessage = typeof messages.$inferInsert;
export type NewDocument = Omit<typeof documents.$inferInsert, "messageId">;
export type NewFinding = Finding & { position: number | null };
export type NewLargeAttachment = Omit<typeof largeAttachments.$inferInsert, "messageId" | "id">;

export interface FilingResult {
  messageRowId: number;
  /** False when this mail was already filed: a repeated job files nothing twice. */
  created: boolean;
}

/**
 * Files a message, its documents and findings in one transaction. The unique
 * (mailbox_id, raw_sha256) makes a second run a no-op; `then` runs inside the same
 * transaction only for a new filing (forms read and the 回执 go in atomically with it),
 * given the new documents' ids by position. With `budgetUse` the mail's budget grant is
 * settled in the same statement as the message row, and only for a new filing.
 */
export async function fileMessage(
  db: Database,
  message: NewMessage,
  docs: readonly NewDocument[],
  found: readonly NewFinding[],
  links: readonly NewLargeAttachment[],
  then: (tx: Executor, messageRowId: number, documentIds: ReadonlyMap<number, number>) => Promise<void>,
  options: { replace?: boolean; budgetUse?: BudgetUse } = {},
): Promise<FilingResult> {
  message = withoutNul(message);
  docs = withoutNul(docs);
  found = withoutNul(found);
  links = withoutNul(links);
  return db.transaction(async (tx) => {
    const answered = options.replace ? await removeFiling(tx, message.mailboxId, message.rawSha256) : [];
    const insert = tx
      .insert(messages)
      .values(message)
      .onConflictDoNothing({ target: [messages.mailboxId, messages.rawSha256] })
      .returning({ id: messages.id });
    const [inserted] = options.budgetUse ? await insertSettling(tx, insert, message, options.budgetUse) : await insert;
    if (!inserted) {
      const [existing] = await tx
        .select({ id: messages.id })
        .from(messages)
        .where(and(eq(messages.mailboxId, message.mailboxId), eq(messages.rawSha256, message.rawSha256)));
      return { messageRowId: existing!.id, created: false };
    }
    const messageRowId = inserted.id;
    const ids = new Map<number, number>();
    if (docs.length) {
      const rows = await tx
        .insert(documents)
        .values(docs.map((d) => ({ ...d, messageId: messageRowId })))
        .returning({ id: documents.id, position: documents.position });
      for (const r of rows) ids.set(r.position, r.id);
    }
    if (found.length) {
      await tx.insert(findings).values(
        found.map((f) => ({
          messageId: messageRowId,
          documentId: f.position === null ? null : (ids.get(f.position) ?? null),
          severity: f.severity,
          code: f.code,
          field: f.field,
          message: f.message,
        })),
      );
    }
    if (links.length) await tx.insert(largeAttachments).values(links.map((l) => ({ ...l, messageId: messageRowId })));
    await then(tx, messageRowId, ids);
    // The 回执 already sent for this mail stays the answer to it (its dedupe key kept it from being queued again).
    if (answered.length)
      await tx
        .update(outbox)
        .set({ relatedMessageId: messageRowId, schoolId: message.schoolId ?? null })
        .where(inArray(outbox.id, answered));
    return { messageRowId, created: true };
  });
}

/**
 * The message insert and the settling of its budget grant in one round trip: a data-modifying
 * CTE that settles only when the row was inserted (a repeated job settles nothing again).
 */
async function insertSettling(tx: Executor, insert: SQLWrapper, message: NewMessage, used: BudgetUse): Promise<{ id: number }[]> {
  const { rows } = await tx.execute<{ id: number }>(sql`
    with filed as (${insert.getSQL()}),
    settled as (${settleBudgetSql(message.mailboxId, message.rawSha256, used, sql`exists (select 1 from filed)`)})
    select id from filed`);
  return rows;
}

/**
 * `baosong reprocess`: the earlier filing of a mail goes (documents, findings, forms follow by
 * cascade) in the same transaction that files it anew. Returns the outbox rows that answered it.
 */
async function removeFiling(tx: Executor, mailboxId: number, rawSha256: string): Promise<number[]> {
  const [old] = await tx
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.mailboxId, mailboxId), eq(messages.rawSha256, rawSha256)));
  if (!old) return [];
  const answered = await tx.select({ id: outbox.id }).from(outbox).where(eq(outbox.relatedMessageId, old.id));
  await tx.delete(messages).where(eq(messages.id, old.id));
  return answered.map((r) => r.id);
}

/** The 回执 outbox row of a filed message, to re-enqueue it when a job ran twice. */
export async function acknowledgementOf(db: Executor, messageRowId: number): Promise<{ id: number; status: string } | null> {
  const [row] = await db
    .select({ id: outbox.id, status: outbox.status })
    .from(outbox)
    .where(and(eq(outbox.relatedMessageId, messageRowId), eq(outbox.kind, "ack")));
  return row ?? null;
}

/**
 * What a 回执 lists as still owed, as a scalar subquery (a JSON array of {title, dueAt} by due
 * time): requirements with a single deadline of a kind the school has delivered nothing of yet
 * (daily items are the reminders' business).
 */
export function owedRequirementsJsonSql(campaignId: number, schoolId: number): SQL {
  // A file that could not be opened was not delivered: the 回执 asks for it again.
  const delivered = sql`select distinct ${documents.kind} from ${documents} join ${messages} on ${messages.id} = ${documents.messageId}
    where ${messages.campaignId} = ${campaignId} and ${messages.schoolId} = ${schoolId} and ${documents.parseStatus} <> 'unreadable'`;
  return sql`(select coalesce(json_agg(json_build_object('title', ${requirements.title}, 'dueAt', ${requirements.dueAt}) order by ${requirements.dueAt}), '[]'::json)
    from ${requirements}
    where ${requirements.campaignId} = ${campaignId} and ${requirements.active} and ${requirements.dueAt} is not null
      and ${requirements.kind} not in (${delivered}))`;
}

export async function schoolNames(db: Executor, ids: readonly number[]): Promise<Map<number, string>> {
  if (!ids.length) return new Map();
  const rows = await db
    .select({ id: schools.id, name: schools.name })
    .from(schools)
    .where(inArray(schools.id, [...ids]));
  return new Map(rows.map((r) => [r.id, r.name]));
}
