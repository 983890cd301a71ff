import type { FiledDocument } from "@baosong/core";
import type { featuredActivities, infoForms, reports, statsForms } from "../schema/forms.ts";

export interface FormOwner {
  campaignId: number;
  schoolId: number | null;
  submittedAt: Date;
}

/** A form row before filing: its document is named by position, its message is the one filed with it. */
type Row<T extends { $inferInsert: unknown }> = Omit<T["$inferInsert"], "messageId" | "documentId"> & { position: number };
type Rows<T extends { $inferInsert: unknown }> = Row<T>[];

/** What was read from a mail's form and report documents, one list per table; every version is kept (SPEC §4). */
export interface FormRows {
  info: Rows<typeof infoForms>;
  stats: Rows<typeof statsForms>;
  featured: Rows<typeof featuredActivities>;
  reports: Rows<typeof reports>;
}

/** The form rows of a mail's documents, filed with it (fileMessage) in the same statement. */
export function formRows(owner: FormOwner, docs: readonly FiledDocument[]): FormRows {
  const rows: FormRows = { info: [], stats: [], featured: [], reports: [] };
  for (const d of docs) {
    const base = { ...owner, position: d.position };
    if (d.infoForm) rows.info.push(infoFormRow(base, d.infoForm));
    if (d.statsRows?.length) rows.stats.push(...d.statsRows.map((f, rowIndex) => statsFormRow(base, f, rowIndex)));
    if (d.featured?.length) rows.featured.push(...d.featured.map((a) => featuredRow(base, a)));
    if (d.report) rows.reports.push(reportRow(base, d));
  }
  return rows;
}

type RowBase = FormOwner & { position: number };

function infoFormRow(base: RowBase, f: NonNullable<FiledDocument["infoForm"]>): Row<typeof infoForms> {
  return {
    ...base,
    unitName: f.unit_name,
    contactName: f.contact_name,
    contactTitle: f.contact_title,
    mobile: f.mobile,
    qq: f.qq,
    websiteUrl: f.website_url,
    planText: f.plan_text,
    featuredText: f.featured_text,
    fillerName: f.filler_name,
    fillerPhone: f.filler_phone,
  };
}

function statsFormRow(base: RowBase, f: NonNullable<FiledDocument["statsRows"]>[number], rowIndex: number): Row<typeof statsForms> {
  return {
    ...base,
    rowIndex,
    unitName: f.unit_name,
    schoolsParticipating: f.schools_participating,
    teachers: f.teachers,
    students: f.students,
    studentCoveragePct: f.student_coverage_pct,
    enterprises: f.enterprises,
    totalParticipants: f.total_participants,
    activityItems: f.activity_items,
    mediaReportsTotal: f.media_reports_total,
    mediaReportsByLevel: f.media_reports_by_level,
  };
}

function featuredRow(base: RowBase, a: NonNullable<FiledDocument["featured"]>[number]): Row<typeof featuredActivities> {
  return {
    ...base,
    seq: a.seq,
    organizer: a.organizer,
    heldOn: a.held_on,
    heldOnDate: a.held_on_date,
    place: a.place,
    name: a.name,
    intro: a.intro,
    outcome: a.outcome,
  };
}

function reportRow(base: RowBase, d: FiledDocument): Row<typeof reports> {
  const r = d.report!;
  return {
    ...base,
    kind: d.kind,
    title: r.title,
    activityDay: d.activityDay,
    charCount: r.charCount,
    imageCount: r.imageCount,
    missingSections: r.missingSections,
  };
}
