import { sql } from "drizzle-orm";
import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, serial, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

/** A campaign as last applied from its YAML file (`baosong campaign apply`). */
export const campaigns = pgTable("campaigns", {
  id: serial("id").primaryKey(),
  slug: text("slug").notNull().unique(),
  title: text("title").notNull(),
  timezone: text("timezone").notNull(),
  /** The validated campaign (secrets are only env names), as the services read it. */
  config: jsonb("config").notNull(),
  sourceFile: text("source_file"),
  appliedAt: timestamp("applied_at", { withTimezone: true }).notNull().defaultNow(),
});

export const schools = pgTable(
  "schools",
  {
    id: serial("id").primaryKey(),
    campaignId: integer("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    aliases: text("aliases").array().notNull().default(sql`'{}'::text[]`),
    category: text("category"),
    /** Roster sender addresses, lower-cased. */
    senders: text("senders").array().notNull().default(sql`'{}'::text[]`),
    qq: text("qq").array().notNull().default(sql`'{}'::text[]`),
    mailboxKey: text("mailbox_key"),
    /** A school dropped from the YAML is kept (its mail stays filed) but marked inactive. */
    active: boolean("active").notNull().default(true),
  },
  (t) => [uniqueIndex("schools_campaign_name").on(t.campaignId, t.name)],
);

export const requirements = pgTable(
  "requirements",
  {
    id: serial("id").primaryKey(),
    campaignId: integer("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    kind: text("kind").notNull(),
    title: text("title").notNull(),
    dueAt: timestamp("due_at", { withTimezone: true }),
    daily: jsonb("daily"),
    reminders: text("reminders").array().notNull().default(sql`'{}'::text[]`),
    rules: jsonb("rules").notNull().default({}),
    active: boolean("active").notNull().default(true),
  },
  (t) => [uniqueIndex("requirements_campaign_key").on(t.campaignId, t.key)],
);

/** One row per configured mailbox, with the IMAP state the poller secures. */
export const mailboxes = pgTable(
  "mailboxes",
  {
    id: serial("id").primaryKey(),
    campaignId: integer("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    address: text("address").notNull(),
    folder: text("folder").notNull(),
    uidValidity: bigint("uid_validity", { mode: "number" }),
    /** Highest UID whose raw bytes are in the blob store and whose job is enqueued. */
    lastUid: bigint("last_uid", { mode: "number" }).notNull().default(0),
    heartbeatAt: timestamp("heartbeat_at", { withTimezone: true }),
    lastError: text("last_error"),
    lastErrorAt: timestamp("last_error_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("mailboxes_campaign_key").on(t.campaignId, t.key)],
);

/** The IMAP ledger: which (UIDVALIDITY, UID) of a mailbox holds which raw message. */
export const mailReceipts = pgTable(
  "mail_receipts",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    mailboxId: integer("mailbox_id")
      .notNull()
      .references(() => mailboxes.id, { onDelete: "cascade" }),
    uidValidity: bigint("uid_validity", { mode: "number" }).notNull(),
    uid: bigint("uid", { mode: "number" }).notNull(),
    rawSha256: text("raw_sha256").notNull(),
    messageIdHeader: text("message_id_header"),
    sizeBytes: bigint("size_bytes", { mode: "number" }).notNull(),
    internalDate: timestamp("internal_date", { withTimezone: true }).notNull(),
    securedAt: timestamp("secured_at", { withTimezone: true }).notNull().defaultNow(),
    /** Set once the mailbox was flagged or the mail moved, after the filing committed. */
    markedAt: timestamp("marked_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("mail_receipts_uid").on(t.mailboxId, t.uidValidity, t.uid),
    // Every sweep looks for filed mail not yet flagged; a resync looks up by Message-ID.
    index("mail_receipts_unmarked").on(t.mailboxId, t.uidValidity).where(sql`${t.markedAt} is null`),
    index("mail_receipts_message_id").on(t.mailboxId, t.messageIdHeader),
  ],
);
