import { integer, pgTable, timestamp } from "drizzle-orm/pg-core";
import { campaigns } from "./campaigns.ts";

/**
 * Up to when the scheduler has planned each campaign's outgoing mail: the next run plans the
 * window (last_run, now]. Written in the same transaction as the outbox rows it planned.
 */
export const schedulerRuns = pgTable("scheduler_runs", {
  campaignId: integer("campaign_id")
    .primaryKey()
    .references(() => campaigns.id, { onDelete: "cascade" }),
  lastRun: timestamp("last_run", { withTimezone: true }).notNull(),
});
