import type { FileUnderstanding } from "../files/file-understanding.ts";
import type { MediaFacts } from "../files/media-facts.ts";

/** The key values read from a file, as the 回执 shows them, so a clerk can check our reading. */
export function fileSummary(
  u: Pick<FileUnderstanding, "infoForm" | "statsRows" | "featured" | "report" | "media" | "pdf" | "classifiedBy" | "signedCopyOf">,
): string[] {
  if (u.signedCopyOf !== undefined) {
    const of = u.classifiedBy.startsWith("signed_copy:") ? `“${u.classifiedBy.slice("signed_copy:".length)}”` : "同一邮件中的表格";
    return [`已作为${of}的盖章签字件存档${u.pdf ? `（PDF，${u.pdf.pages} 页）` : ""}；表中数据以 Excel 版本为准。`];
  }
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
  if (u.report) {
    const r = u.report;
    // Missing sections are not repeated here: their finding says so, with what to do.
    return [line("标题", r.title), `正文约 ${r.charCount} 字，图片 ${r.imageCount} 张${u.pdf ? `（PDF，${u.pdf.pages} 页）` : ""}`].filter(
      (l): l is string => l !== null,
    );
  }
  if (u.media) return [mediaLine(u.media)];
  if (u.pdf) return [u.pdf.textChars === 0 ? `PDF 扫描件，${u.pdf.pages} 页（无文字层，已原样存档）` : `PDF，${u.pdf.pages} 页，约 ${u.pdf.textChars} 字`];
  return [];
}

function mediaLine(m: MediaFacts): string {
  const parts = [
    m.width && m.height ? `${m.width}×${m.height}` : null,
    m.durationSeconds !== undefined ? `时长 ${formatDuration(m.durationSeconds)}` : null,
    m.takenAt ? `拍摄于 ${m.takenAt.slice(0, 16)}` : null,
  ].filter(Boolean);
  return `${m.format.toUpperCase()}${parts.length ? `，${parts.join("，")}` : ""}`;
}

function formatDuration(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m ? `${m} 分 ${s} 秒` : `${s} 秒`;
}

function line(label: string, value: string | null): string | null {
  return value ? `${label}：${value}` : null;
}

function show(n: number | null): string {
  return n === null ? "—" : String(n);
}

/** The body filed as the day's article, as the 回执 lists it. */
export function bodyArticleSummary(article: { chars: number; activityDay: string }): string[] {
  return [`正文约 ${article.chars} 字，已作为 ${article.activityDay} 的稿件登记`];
}
