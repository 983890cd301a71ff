import { bigint, bigserial, index, integer, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { campaigns, mailboxes } from "./campaigns.ts";

/**
 * What each mail was allowed to store (SPEC §8 budgets), one row per raw mail. A sender's
 * remaining allowance is its per-sender budget less what its mails within the window used
 * (or were granted, while a mail is still being read). Keyed by the raw mail, so a job that
 * runs twice gets the same grant and is not charged twice.
 */
export const budgetGrants = pgTable(
  "budget_grants",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    campaignId: integer("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    mailboxId: integer("mailbox_id")
      .notNull()
      .references(() => mailboxes.id, { onDelete: "cascade" }),
    rawSha256: text("raw_sha256").notNull(),
    /** The From address, lower-cased; "" when the mail has none. */
    sender: text("sender").notNull(),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull(),
    grantedAttachmentBytes: bigint("granted_attachment_bytes", { mode: "number" }).notNull(),
    grantedArchiveBytes: bigint("granted_archive_bytes", { mode: "number" }).notNull(),
    grantedFiles: integer("granted_files").notNull(),
    /** Null until the mail was read: the grant is charged in full meanwhile. */
    usedAttachmentBytes: bigint("used_attachment_bytes", { mode: "number" }),
    usedArchiveBytes: bigint("used_archive_bytes", { mode: "number" }),
    usedFiles: integer("used_files"),
    senderLimited: text("sender_limited").array().notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("budget_grants_mail").on(t.mailboxId, t.rawSha256), index("budget_grants_sender").on(t.campaignId, t.sender, t.receivedAt)],
);
