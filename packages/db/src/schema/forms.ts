import { bigint, bigserial, index, integer, jsonb, numeric, pgTable, text, timestamp, date } from "drizzle-orm/pg-core";
import { campaigns, schools } from "./campaigns.ts";
import { documents, messages } from "./messages.ts";

/**
 * What was read from forms and reports (SPEC §4). Every version is kept; the dashboard views
 * say which one is latest per school.
 */
const owner = {
  campaignId: integer("campaign_id")
    .notNull()
    .references(() => campaigns.id, { onDelete: "cascade" }),
  messageId: bigint("message_id", { mode: "number" })
    .notNull()
    .references(() => messages.id, { onDelete: "cascade" }),
  documentId: bigint("document_id", { mode: "number" })
    .notNull()
    .references(() => documents.id, { onDelete: "cascade" }),
  schoolId: integer("school_id").references(() => schools.id, { onDelete: "set null" }),
  submittedAt: timestamp("submitted_at", { withTimezone: true }).notNull(),
};

export const infoForms = pgTable(
  "info_forms",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    ...owner,
    unitName: text("unit_name"),
    contactName: text("contact_name"),
    contactTitle: text("contact_title"),
    mobile: text("mobile"),
    qq: text("qq"),
    websiteUrl: text("website_url"),
    planText: text("plan_text"),
    featuredText: text("featured_text"),
    fillerName: text("filler_name"),
    fillerPhone: text("filler_phone"),
  },
  (t) => [index("info_forms_school").on(t.campaignId, t.schoolId, t.submittedAt)],
);

export const statsForms = pgTable(
  "stats_forms",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    ...owner,
    /** A district bureau's form lists several schools: one row each, in sheet order. */
    rowIndex: integer("row_index").notNull().default(0),
    unitName: text("unit_name"),
    schoolsParticipating: integer("schools_participating"),
    teachers: integer("teachers"),
    students: integer("students"),
    studentCoveragePct: numeric("student_coverage_pct", { mode: "number" }),
    enterprises: integer("enterprises"),
    totalParticipants: integer("total_participants"),
    activityItems: integer("activity_items"),
    mediaReportsTotal: integer("media_reports_total"),
    /** Keyed by the campaign's level labels (市级及以上, 区县级 …). */
    mediaReportsByLevel: jsonb("media_reports_by_level").notNull().default({}),
  },
  (t) => [index("stats_forms_school").on(t.campaignId, t.schoolId, t.submittedAt)],
);

export const featuredActivities = pgTable("featured_activities", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  ...owner,
  seq: integer("seq"),
  organizer: text("organizer"),
  heldOn: text("held_on"),
  /** The one day `held_on` names, in the campaign's year; null for 5月中旬 or a range. */
  heldOnDate: date("held_on_date"),
  place: text("place"),
  name: text("name"),
  intro: text("intro"),
  outcome: text("outcome"),
});

export const reports = pgTable("reports", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  ...owner,
  kind: text("kind").notNull(),
  title: text("title"),
  activityDay: date("activity_day"),
  charCount: integer("char_count").notNull(),
  imageCount: integer("image_count").notNull(),
  missingSections: text("missing_sections").array().notNull().default([]),
});
