import type { FileUnderstanding } from "./file-understanding.ts";

/** The key values read from a form, as the 回执 shows them, so a clerk can check our reading. */
export function fileSummary(u: Pick<FileUnderstanding, "infoForm" | "statsRows" | "featured">): string[] {
  if (u.infoForm) {
    const f = u.infoForm;
    return [
      line("填报单位", f.unit_name),
      line("联系人", [f.contact_name, f.contact_title].filter(Boolean).join("，") || null),
      line("手机", f.mobile),
      line("QQ号", f.qq),
      line("专题网站", f.website_url),
      f.plan_text ? `活动周初步考虑：${Array.from(f.plan_text).length} 字` : null,
      f.featured_text ? `特色活动简介：${Array.from(f.featured_text).length} 字` : null,
    ].filter((l): l is string => l !== null);
  }
  if (u.statsRows?.length) {
    return u.statsRows.map((r) => {
      const levels = Object.entries(r.media_reports_by_level)
        .map(([label, n]) => `${label} ${n ?? "—"}`)
        .join("，");
      const parts = [
        `教师 ${show(r.teachers)} 人`,
        `学生 ${show(r.students)} 人`,
        `覆盖率 ${r.student_coverage_pct === null ? "—" : `${r.student_coverage_pct}%`}`,
        `企业 ${show(r.enterprises)} 个`,
        `参与总人数 ${show(r.total_participants)}`,
        `观摩体验项目 ${show(r.activity_items)} 个`,
        `媒体报道 ${show(r.media_reports_total)} 篇${levels ? `（${levels}）` : ""}`,
      ];
      return `${r.unit_name ?? "（未填单位）"}：${parts.join("，")}`;
    });
  }
  if (u.featured) return [`共读到 ${u.featured.length} 项特色活动：${u.featured.map((a) => a.name ?? "（未填名称）").join("、")}`];
  return [];
}

function line(label: string, value: string | null): string | null {
  return value ? `${label}：${value}` : null;
}

function show(n: number | null): string {
  return n === null ? "—" : String(n);
}
