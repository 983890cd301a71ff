import type { DocumentKind } from "./campaign.ts";

export interface Classification {
  kind: DocumentKind;
  /** Why, recorded in `documents.classified_by`: `media_type:image/jpeg`, `filename:统计表`. */
  classifiedBy: string;
}

/** SPEC §2's naming habits, most specific first (统计表 before 表, 工作总结 before 总结). */
const nameRules: readonly [RegExp, DocumentKind][] = [
  [/情况统计|统计表/, "stats_form"],
  [/信息采集|采集表/, "info_form"],
  [/一览表|特色亮点/, "featured_list"],
  [/职业教育法|法宣传|学法/, "law_summary"],
  [/工作总结|总结报告/, "summary_report"],
  [/方案|计划/, "plan"],
  [/案例|稿件|新闻|简报|报道|故事/, "daily_report"],
];

/**
 * A first reading from the real media type and the file name. Content-based reading of
 * sheets and documents refines this where the bytes say more than the name.
 */
export function classifyByNameAndType(filename: string, mediaType: string): Classification {
  if (mediaType.startsWith("image/")) return { kind: "media_photo", classifiedBy: `media_type:${mediaType}` };
  if (mediaType.startsWith("video/")) return { kind: "media_video", classifiedBy: `media_type:${mediaType}` };
  for (const [pattern, kind] of nameRules) {
    const hit = pattern.exec(filename)?.[0];
    if (hit) return { kind, classifiedBy: `filename:${hit}` };
  }
  return { kind: "other", classifiedBy: "no_rule_matched" };
}
