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

/** Stores what was read from each form and report document; every version is kept (SPEC §4). */
export async function saveForms(tx: Executor, owner: FormOwner, docs: readonly FiledDocument[], documentIds: ReadonlyMap<number, number>): Promise<void> {
  for (const d of withoutNul(docs)) {
    const documentId = documentIds.get(d.position);
    if (documentId === undefined) continue;
    const base = { ...owner, documentId };
    if (d.infoForm) {
      const f = d.infoForm;
      await tx.insert(infoForms).values({
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
      });
    }
    if (d.statsRows?.length) {
      await tx.insert(statsForms).values(
        d.statsRows.map((f, rowIndex) => ({
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
        })),
      );
    }
    if (d.featured?.length) {
      await tx.insert(featuredActivities).values(
        d.featured.map((a) => ({
          ...base,
          seq: a.seq,
          organizer: a.organizer,
          heldOn: a.held_on,
          heldOnDate: a.held_on_date,
          place: a.place,
          name: a.name,
          intro: a.intro,
          outcome: a.outcome,
        })),
      );
    }
    if (d.report) {
      const r = d.report;
      await tx.insert(reports).values({
        ...base,
        kind: d.kind,
        title: r.title,
        activityDay: d.activityDay,
        charCount: r.charCount,
        imageCount: r.imageCount,
        missingSections: r.missingSections,
      });
    }
  }
}
