import type { FiledDocument } from "@baosong/core";
import type { Executor } from "../client.ts";
import { featuredActivities, infoForms, reports, statsForms } from "../schema/forms.ts";
import { withoutNul } from "../pg-text.ts";

export interface FormOwner {
  campaignId: number;
  messageId: number;
  schoolId: number | null;
  submittedAt: Date;
}

type Rows<T extends { $inferInsert: unknown }> = T["$inferInsert"][];

/**
 * Stores what was read from each form and report document; every version is kept (SPEC §4).
 * One multi-row INSERT per kind of row, whatever the number of documents in the mail.
 */
export async function saveForms(tx: Executor, owner: FormOwner, docs: readonly FiledDocument[], documentIds: ReadonlyMap<number, number>): Promise<void> {
  const info: Rows<typeof infoForms> = [];
  const stats: Rows<typeof statsForms> = [];
  const featured: Rows<typeof featuredActivities> = [];
  const reported: Rows<typeof reports> = [];
  for (const d of withoutNul(docs)) {
    const documentId = documentIds.get(d.position);
    if (documentId === undefined) continue;
    const base = { ...owner, documentId };
    if (d.infoForm) info.push(infoFormRow(base, d.infoForm));
    if (d.statsRows?.length) stats.push(...d.statsRows.map((f, rowIndex) => statsFormRow(base, f, rowIndex)));
    if (d.featured?.length) featured.push(...d.featured.map((a) => featuredRow(base, a)));
    if (d.report) reported.push(reportRow(base, d));
  }
  if (info.length) await tx.insert(infoForms).values(info);
  if (stats.length) await tx.insert(statsForms).values(stats);
  if (featured.length) await tx.insert(featuredActivities).values(featured);
  if (reported.length) await tx.insert(reports).values(reported);
}

type RowBase = FormOwner & { documentId: number };

function infoFormRow(base: RowBase, f: NonNullable<FiledDocument["infoForm"]>): Rows<typeof infoForms>[number] {
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

function statsFormRow(base: RowBase, f: NonNullable<FiledDocument["statsRows"]>[number], rowIndex: number): Rows<typeof statsForms>[number] {
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

function featuredRow(base: RowBase, a: NonNullable<FiledDocument["featured"]>[number]): Rows<typeof featuredActivities>[number] {
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

function reportRow(base: RowBase, d: FiledDocument): Rows<typeof reports>[number] {
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
