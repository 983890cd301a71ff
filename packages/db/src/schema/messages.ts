import { sql } from "drizzle-orm";
import { bigint, bigserial, boolean, date, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import type { MediaFacts, PdfFacts, SenderAuthRecord } from "@baosong/core";
import { campaigns, mailboxes, schools } from "./campaigns.ts";

export interface DocumentDetails {
  media?: MediaFacts;
  pdf?: PdfFacts;
}

/** One row per mail received, whatever became of it (SPEC §8: nothing is dropped). */
export const messages = pgTable(
  "messages",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    campaignId: integer("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    mailboxId: integer("mailbox_id")
      .notNull()
      .references(() => mailboxes.id, { onDelete: "cascade" }),
    rawSha256: text("raw_sha256").notNull(),
    rawKey: text("raw_key").notNull(),
    /** The Message-ID header without angle brackets; synthesised from the hash when absent. */
    messageId: text("message_id").notNull(),
    inReplyTo: text("in_reply_to"),
    references: text("references").array(),
    fromAddress: text("from_address"),
    fromName: text("from_name"),
    replyTo: text("reply_to"),
    toAddresses: text("to_addresses").array(),
    subject: text("subject"),
    sentAt: timestamp("sent_at", { withTimezone: true }),
    /** The server's INTERNALDATE: deadlines are judged by it, never by the Date header. */
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull(),
    sizeBytes: bigint("size_bytes", { mode: "number" }).notNull(),
    schoolId: integer("school_id").references(() => schools.id, { onDelete: "set null" }),
    attributedBy: text("attributed_by").notNull().default("none"),
    auth: text("auth").notNull().default("none"),
    /** How `auth` was reached: the receiving server's header we trusted, those ignored, our own DKIM/DMARC check. */
    authDetails: jsonb("auth_details").$type<SenderAuthRecord>(),
    status: text("status").notNull(),
    autoReply: boolean("auto_reply").notNull().default(false),
    autoReplyReason: text("auto_reply_reason"),
    textBody: text("text_body"),
    headers: jsonb("headers"),
    filedAt: timestamp("filed_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("messages_mailbox_raw").on(t.mailboxId, t.rawSha256), index("messages_campaign_school").on(t.campaignId, t.schoolId)],
);

/** A file (or the body) of a message: attachment, inline part or archive member. */
export const documents = pgTable(
  "documents",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    messageId: bigint("message_id", { mode: "number" })
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    filename: text("filename").notNull(),
    declaredType: text("declared_type"),
    mediaType: text("media_type").notNull(),
    sizeBytes: bigint("size_bytes", { mode: "number" }).notNull(),
    sha256: text("sha256").notNull(),
    blobKey: text("blob_key").notNull(),
    origin: text("origin").notNull(),
    kind: text("kind").notNull().default("other"),
    activityDay: date("activity_day"),
    parseStatus: text("parse_status").notNull().default("kept"),
    classifiedBy: text("classified_by"),
    /** What the file says about itself: a photo's size and date taken, a video's duration, a PDF's pages. */
    details: jsonb("details").$type<DocumentDetails>(),
    /** For a stamped scan kept as a form's signed copy: the position of that form in the same mail. */
    signedCopyOf: integer("signed_copy_of"),
  },
  (t) => [uniqueIndex("documents_message_position").on(t.messageId, t.position)],
);

export const findings = pgTable(
  "findings",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    messageId: bigint("message_id", { mode: "number" })
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    documentId: bigint("document_id", { mode: "number" }).references(() => documents.id, { onDelete: "cascade" }),
    severity: text("severity").notNull(),
    code: text("code").notNull(),
    field: text("field"),
    message: text("message").notNull(),
  },
  (t) => [index("findings_message").on(t.messageId)],
);

/** Every outgoing mail; the unique dedupe key is what makes a retry or restart send once. */
export const outbox = pgTable(
  "outbox",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    campaignId: integer("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    dedupeKey: text("dedupe_key").notNull().unique(),
    toAddress: text("to_address").notNull(),
    subject: text("subject").notNull(),
    textBody: text("text_body").notNull(),
    htmlBody: text("html_body"),
    /** Our own Message-ID, fixed at creation so a resend is recognisable. */
    ourMessageId: text("our_message_id").notNull(),
    inReplyTo: text("in_reply_to"),
    references: text("references").array(),
    attachments: jsonb("attachments"),
    relatedMessageId: bigint("related_message_id", { mode: "number" }).references(() => messages.id, { onDelete: "set null" }),
    schoolId: integer("school_id").references(() => schools.id, { onDelete: "set null" }),
    status: text("status").notNull(),
    suppressedReason: text("suppressed_reason"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }),
    claimedAt: timestamp("claimed_at", { withTimezone: true }),
    /**
     * Set by the claiming sender just before the end of DATA (the last bytes, then "."): from
     * here the server may have the mail. A sender that dies after it is not followed by a resend.
     */
    handedOverAt: timestamp("handed_over_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp("sent_at", { withTimezone: true }),
  },
  (t) => [
    index("outbox_status").on(t.status, t.nextAttemptAt),
    // Every ingest looks up the 回执 of its mail, and the console joins 回执 to mails.
    index("outbox_related_message").on(t.relatedMessageId),
    index("outbox_to_created").on(t.toAddress, t.createdAt),
    // The hourly cap counts by lower(to_address) (countRecentToAddress).
    index("outbox_to_lower_created").on(sql`lower(${t.toAddress})`, t.createdAt),
  ],
);

/** QQ 超大附件 links found in a mail: the file lives on QQ's servers until `expires_at`. */
export const largeAttachments = pgTable(
  "large_attachments",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    messageId: bigint("message_id", { mode: "number" })
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    filename: text("filename").notNull(),
    url: text("url").notNull(),
    sizeText: text("size_text"),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
  },
  (t) => [index("large_attachments_expiry").on(t.expiresAt)],
);
