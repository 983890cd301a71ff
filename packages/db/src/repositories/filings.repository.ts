import { getTableColumns, inArray, is, SQL } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import type { Finding, OwedItem } from "@baosong/core";
import type pg from "pg";
import { prepared, withConnection, type Database, type Executor } from "../client.ts";
import { schools } from "../schema/campaigns.ts";
import { featuredActivities, infoForms, reports, statsForms } from "../schema/forms.ts";
import { documents, findings, largeAttachments, messages, outbox } from "../schema/messages.ts";
import { withoutNul } from "../pg-text.ts";
import { HOURLY_CAP_REASON, hourlyCapValues, OVER_HOURLY_CAP_SQL, owedRequirements, type HourlyCap } from "./ack-cap.repository.ts";
import type { BudgetUse } from "./budgets.repository.ts";
import type { FormRows } from "./forms.repository.ts";
import type { NewOutboxMail } from "./outbox.repository.ts";

export type NewMessage = typeof messages.$inferInsert;
export type NewDocument = Omit<typeof documents.$inferInsert, "messageId">;
export type NewFinding = Finding & { position: number | null };
export type NewLargeAttachment = Omit<typeof largeAttachments.$inferInsert, "messageId" | "id">;

/** Everything a mail is filed with, written in one statement. */
export interface Filing {
  message: NewMessage;
  documents: readonly NewDocument[];
  findings: readonly NewFinding[];
  largeAttachments: readonly NewLargeAttachment[];
  forms?: FormRows;
  acknowledgement?: {
    /** The school whose owed list the 回执 carries (null: a mail of no known school). */
    owedBy: { campaignId: number; schoolId: number } | null;
    compose(owed: OwedItem[]): Omit<NewOutboxMail, "relatedMessageId">;
    /** Set for a 回执 that only the hourly cap could still hold back: the filing statement counts under the cap's lock. */
    hourlyCap: HourlyCap | null;
  };
  /** What the mail stored: its budget grant is settled with the message row, only for a new filing. */
  budgetUse?: BudgetUse;
}

export interface FilingResult {
  messageRowId: number;
  /** False when this mail was already filed: a repeated job files nothing twice. */
  created: boolean;
  /** The 回执 row that answers the mail (a repeated job's is the first one's). */
  acknowledgement: { id: number; status: string } | null;
}

/**
 * Files a message with its documents, findings, large-attachment links, forms, budget
 * settlement and 回执 in one statement (after one read of what the school still owes, for the
 * 回执's text). The unique (mailbox_id, raw_sha256) makes a second run a no-op that returns the
 * first filing. Only `replace` needs a transaction around more than one statement.
 */
export function fileMessage(db: Database, filing: Filing, options: { replace?: boolean } = {}): Promise<FilingResult> {
  const f = withoutNul(filing);
  const inTransaction = !!options.replace;
  return withConnection(db, async (client) => {
    if (inTransaction) await client.query("begin");
    try {
      const result = await fileOn(client, f, !!options.replace);
      if (inTransaction) await client.query("commit");
      return result;
    } catch (err) {
      if (inTransaction) await client.query("rollback").catch(() => undefined);
      throw err;
    }
  });
}

async function fileOn(client: pg.ClientBase, f: Filing, replace: boolean): Promise<FilingResult> {
  const answered = replace ? await removeFiling(client, f.message.mailboxId, f.message.rawSha256) : [];
  let ack: Record<string, unknown> | null = null;
  if (f.acknowledgement) {
    const owedBy = f.acknowledgement.owedBy;
    // This mail's own files count as delivered (unreadable ones do not): they are filed with the 回执.
    const delivering = new Set(f.documents.filter((d) => d.parseStatus !== "unreadable").map((d) => d.kind ?? "other"));
    const owed = owedBy ? await owedRequirements(client, { ...owedBy, delivering }) : [];
    const mail = f.acknowledgement.compose(owed);
    ack = record(OUTBOX, withoutNul({ ...mail, status: mail.status ?? "queued" }));
  }
  const forms = f.forms ?? { info: [], stats: [], featured: [], reports: [] };
  const used = f.budgetUse;
  const { rows } = await client.query<FiledRow>(
    prepared(client, "file_message", FILE_MESSAGE, [
      json(record(MESSAGES, f.message)),
      json(f.documents.map((d) => record(DOCUMENTS, d))),
      json(f.findings.map((x) => ({ ...record(FINDINGS, x), position: x.position }))),
      json(f.largeAttachments.map((l) => record(LARGE_ATTACHMENTS, l))),
      json(forms.info.map((r) => positioned(INFO_FORMS, r))),
      json(forms.stats.map((r) => positioned(STATS_FORMS, r))),
      json(forms.featured.map((r) => positioned(FEATURED, r))),
      json(forms.reports.map((r) => positioned(REPORTS, r))),
      ack && json(ack),
      used?.attachmentBytes ?? null,
      used?.archiveBytes ?? null,
      used?.files ?? null,
      ...hourlyCapValues(f.acknowledgement?.hourlyCap ?? null),
    ]),
  );
  // A filing committed by another worker after this statement began is not in its snapshot.
  const row = rows[0] ?? (await filedEarlier(client, f.message.mailboxId, f.message.rawSha256));
  const messageRowId = Number(row.id);
  // The 回执 already sent for this mail stays the answer to it (its dedupe key kept it from being queued again).
  if (answered.length)
    await client.query(
      prepared(client, "reanswer", "update outbox set related_message_id = $1, school_id = $2 where id = any($3::bigint[])", [
        messageRowId,
        f.message.schoolId ?? null,
        answered,
      ]),
    );
  return {
    messageRowId,
    created: row.created,
    acknowledgement: row.ack_id === null ? null : { id: Number(row.ack_id), status: row.ack_status! },
  };
}

interface FiledRow {
  id: string;
  created: boolean;
  ack_id: string | null;
  ack_status: string | null;
}

/**
 * `baosong reprocess`: the earlier filing of a mail goes (documents, findings, forms follow by
 * cascade) in the same transaction that files it anew. Returns the outbox rows that answered it.
 */
async function removeFiling(client: pg.ClientBase, mailboxId: number, rawSha256: string): Promise<number[]> {
  // The outbox is read in the statement's snapshot: before the delete set its links to null.
  const { rows } = await client.query<{ id: string }>(
    `with old as (delete from messages where mailbox_id = $1 and raw_sha256 = $2 returning id)
     select o.id from outbox o join old on o.related_message_id = old.id`,
    [mailboxId, rawSha256],
  );
  return rows.map((r) => Number(r.id));
}

async function filedEarlier(client: pg.ClientBase, mailboxId: number, rawSha256: string): Promise<FiledRow> {
  const { rows } = await client.query<FiledRow>(
    `select m.id, false as created, o.id as ack_id, o.status as ack_status from messages m ${ACK_OF_MESSAGE}
     where m.mailbox_id = $1 and m.raw_sha256 = $2`,
    [mailboxId, rawSha256],
  );
  if (!rows[0]) throw new Error(`message ${mailboxId}/${rawSha256} neither filed nor found`);
  return rows[0];
}

/*
 * The filing statement's text is built once from the schema, so it stays fixed (a prepared
 * statement) and follows the tables' columns. Each row travels as JSON with the columns' names
 * and becomes a row of its table by jsonb_populate_record; findings and forms find their
 * document by position among the documents just inserted.
 */

interface Written {
  table: string;
  columns: [key: string, column: PgColumn][];
}

/** A table's columns a filing writes from its JSON rows: all but the key, the links set by the statement, and now() defaults. */
function written(table: PgTable, name: string, setByStatement: readonly string[]): Written {
  const columns = Object.entries(getTableColumns(table)).filter(
    ([, c]) => c.name !== "id" && !setByStatement.includes(c.name) && !(c.hasDefault && is(c.default, SQL)),
  );
  return { table: name, columns };
}

const MESSAGES = written(messages, "messages", []);
const DOCUMENTS = written(documents, "documents", ["message_id"]);
const FINDINGS = written(findings, "findings", ["message_id", "document_id"]);
const LARGE_ATTACHMENTS = written(largeAttachments, "large_attachments", ["message_id"]);
const INFO_FORMS = written(infoForms, "info_forms", ["message_id", "document_id"]);
const STATS_FORMS = written(statsForms, "stats_forms", ["message_id", "document_id"]);
const FEATURED = written(featuredActivities, "featured_activities", ["message_id", "document_id"]);
const REPORTS = written(reports, "reports", ["message_id", "document_id"]);
const OUTBOX = written(outbox, "outbox", ["related_message_id"]);

/** A row as JSON with its columns' names; an absent value takes the column's default, as drizzle's insert does. */
function record(w: Written, row: object): Record<string, unknown> {
  const values = row as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, c] of w.columns) out[c.name] = values[key] === undefined ? (c.hasDefault ? c.default : null) : values[key];
  return out;
}

/**
 * Rows as a jsonb parameter. JSON.stringify writes a lone surrogate (a string cut inside an emoji)
 * as a lone \uD83D-style escape, which jsonb refuses; as a text parameter it became U+FFFD, so it does here.
 */
function json(value: unknown): string {
  const text = JSON.stringify(value);
  return text.includes("\\ud") ? JSON.stringify(value, (_, v) => (typeof v === "string" ? v.replace(LONE_SURROGATE, "\uFFFD") : v)) : text;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function positioned(w: Written, row: object & { position: number }): Record<string, unknown> {
  return { ...record(w, row), position: row.position };
}

const names = (w: Written) => w.columns.map(([, c]) => `"${c.name}"`).join(", ");
const fromRow = (w: Written, instead: Record<string, string> = {}) => w.columns.map(([, c]) => instead[c.name] ?? `r."${c.name}"`).join(", ");

/** A 回执 over the hourly cap is filed suppressed. */
const CAPPED = {
  status: `case when c.capped then 'suppressed' else r.status end`,
  suppressed_reason: `case when c.capped then '${HOURLY_CAP_REASON}' else r.suppressed_reason end`,
};

/** Rows of `w` from the JSON array `param`, each joined to the message filed (and its document, by position). */
function insertRows(w: Written, param: string, document: "none" | "optional" | "required", returning = ""): string {
  const link = document === "none" ? "" : ", document_id";
  const docId = document === "none" ? "" : ", d.id";
  const join = document === "none" ? "" : `${document === "optional" ? "left " : ""}join docs d on d.position = (e->>'position')::int`;
  return `insert into ${w.table} (${names(w)}, message_id${link})
    select ${fromRow(w)}, f.id${docId}
    from jsonb_array_elements(${param}::jsonb) e cross join lateral jsonb_populate_record(null::${w.table}, e) r cross join filed f ${join}
    ${returning}`;
}

const ACK_OF_MESSAGE = `left join lateral (select id, status from outbox where related_message_id = m.id and kind = 'ack' order by id limit 1) o on true`;

const FILE_MESSAGE = `with filed as (
    insert into messages (${names(MESSAGES)})
    select ${fromRow(MESSAGES)} from jsonb_populate_record(null::messages, $1::jsonb) r
    on conflict (mailbox_id, raw_sha256) do nothing
    returning id
  ),
  settled as (
    update budget_grants set used_attachment_bytes = $10::bigint, used_archive_bytes = $11::bigint, used_files = $12::int
    where mailbox_id = ($1::jsonb->>'mailbox_id')::int and raw_sha256 = $1::jsonb->>'raw_sha256'
      and $10::bigint is not null and exists (select 1 from filed)
  ),
  docs as (${insertRows(DOCUMENTS, "$2", "none", "returning id, position")}),
  found as (${insertRows(FINDINGS, "$3", "optional")}),
  links as (${insertRows(LARGE_ATTACHMENTS, "$4", "none")}),
  info as (${insertRows(INFO_FORMS, "$5", "required")}),
  stats as (${insertRows(STATS_FORMS, "$6", "required")}),
  featured as (${insertRows(FEATURED, "$7", "required")}),
  reported as (${insertRows(REPORTS, "$8", "required")}),
  ack as (
    insert into outbox (${names(OUTBOX)}, related_message_id)
    select ${fromRow(OUTBOX, CAPPED)}, f.id
    from jsonb_populate_record(null::outbox, $9::jsonb) r cross join filed f cross join lateral (select ${OVER_HOURLY_CAP_SQL} as capped) c
    where $9::jsonb is not null
    on conflict (dedupe_key) do nothing
    returning id, status
  )
  select f.id, true as created, coalesce(a.id, o.id) as ack_id, coalesce(a.status, o.status) as ack_status
  from filed f left join ack a on true left join outbox o on a.id is null and o.dedupe_key = $9::jsonb->>'dedupe_key'
  union all
  select m.id, false, o.id, o.status from messages m ${ACK_OF_MESSAGE}
  where m.mailbox_id = ($1::jsonb->>'mailbox_id')::int and m.raw_sha256 = $1::jsonb->>'raw_sha256' and not exists (select 1 from filed)`;

export async function schoolNames(db: Executor, ids: readonly number[]): Promise<Map<number, string>> {
  if (!ids.length) return new Map();
  const rows = await db
    .select({ id: schools.id, name: schools.name })
    .from(schools)
    .where(inArray(schools.id, [...ids]));
  return new Map(rows.map((r) => [r.id, r.name]));
}
