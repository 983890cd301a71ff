import type { DocumentKind } from "../campaign.ts";
import { namedAsReadable } from "./unreadable-file.ts";

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
  // An archive or a forwarded mail holds the files; its own name (“5月17日新闻稿.zip”) must
  // not make it count as one of them a second time.
  // A cut-short .xlsx/.docx may look like a plain zip; its name still says what it was meant to be.
  if (containerTypes.has(mediaType) && !namedAsReadable(filename)) return { kind: "other", classifiedBy: `container:${mediaType}` };
  return classifyByText(filename, "filename") ?? { kind: "other", classifiedBy: "no_rule_matched" };
}

const containerTypes = new Set(["application/zip", "application/x-7z-compressed", "application/x-rar-compressed", "application/vnd.rar", "message/rfc822"]);

/** SPEC §2's naming habits found in a text (a file name, a subject, a body); null when none. */
export function classifyByText(text: string | null, source: "filename" | "subject" | "body"): Classification | null {
  for (const [pattern, kind] of nameRules) {
    const hit = text ? pattern.exec(text)?.[0] : undefined;
    if (hit) return { kind, classifiedBy: `${source}:${hit}` };
  }
  return null;
}
