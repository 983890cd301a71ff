import { sql } from "drizzle-orm";
import { bigserial, index, integer, jsonb, pgTable, serial, text, timestamp } from "drizzle-orm/pg-core";
import { campaigns } from "./campaigns.ts";

/** A person who may open the console: official (read), clerk (read + repair), admin (everything). */
export const consoleUsers = pgTable("console_users", {
  id: serial("id").primaryKey(),
  username: text("username").notNull().unique(),
  displayName: text("display_name"),
  role: text("role").notNull(),
  /** `scrypt$N$r$p$salt$hash` (base64): never the password itself. */
  passwordHash: text("password_hash").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  disabledAt: timestamp("disabled_at", { withTimezone: true }),
});

/** A logged-in browser. The cookie carries a random token; only its SHA-256 is stored here. */
export const consoleSessions = pgTable(
  "console_sessions",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => consoleUsers.id, { onDelete: "cascade" }),
    /** The synchroniser token every form of this session must send back. */
    csrfToken: text("csrf_token").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (t) => [index("console_sessions_expiry").on(t.expiresAt)],
);

/** Every repair made in the console or by the CLI: who, when, what, before and after. */
export const auditLog = pgTable(
  "audit_log",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    campaignId: integer("campaign_id").references(() => campaigns.id, { onDelete: "cascade" }),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    /** What the action was about, e.g. the Message-ID of a mail. */
    target: text("target"),
    before: jsonb("before"),
    after: jsonb("after"),
    at: timestamp("at", { withTimezone: true }).notNull().default(sql`now()`),
  },
  (t) => [index("audit_log_campaign_at").on(t.campaignId, t.at)],
);

export type AuditEntry = typeof auditLog.$inferSelect;
export type ConsoleUser = typeof consoleUsers.$inferSelect;
