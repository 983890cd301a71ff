import { cellText, columnCount, isRegionStart, normalizeLabel, rowCount, type Sheet } from "./sheet.ts";

export type FormKind = "stats_form" | "info_form" | "featured_list";

export interface FormDetection {
  kind: FormKind;
  /** Why, as `documents.classified_by` records it: `sheet_header:参与活动的教师数+参与总人数`. */
  reason: string;
}

/**
 * Header labels that only one form has (SPEC §2: a sheet whose header holds 参与活动的教师数
 * is a stats form wherever it came from). A kind needs `needed` distinct markers.
 */
const markers: readonly { kind: FormKind; needed: number; patterns: readonly RegExp[] }[] = [
  {
    kind: "stats_form",
    needed: 2,
    patterns: [/教师数/u, /学生数/u, /覆盖率/u, /企业数/u, /^参与总人数$/u, /观摩体验/u, /媒体报道数/u],
  },
  {
    kind: "info_form",
    needed: 3,
    patterns: [/^联系人$/u, /^职务$/u, /^手机(号码?)?$/u, /^([Qq]{2}|00)号码?$/u, /专题网站|链接地址/u, /初步考虑|工作计划/u, /^特色活动简介/u],
  },
  {
    kind: "featured_list",
    needed: 3,
    patterns: [/^序号$/u, /^举办单位$/u, /^特色活动名称$/u, /^特色活动简介/u, /^活动成效$/u, /^地点$/u],
  },
];

/** Form titles, for a sheet whose header was reworded beyond recognition. */
const titles: readonly [FormKind, RegExp][] = [
  ["stats_form", /情况统计表/u],
  ["info_form", /信息采集表/u],
  ["featured_list", /特色亮点活动一览表|活动一览表/u],
];

const searchRows = 40;

/** Which form a sheet is, from its content (header labels, then its title); null when none. */
export function detectFormKind(sheet: Sheet): FormDetection | null {
  const labels = sheetLabels(sheet);
  let best: { kind: FormKind; hits: string[]; share: number } | null = null;
  for (const { kind, needed, patterns } of markers) {
    const hits = patterns.map((p) => labels.find((l) => p.test(l))).filter((l): l is string => l !== undefined);
    const distinct = [...new Set(hits)];
    const share = distinct.length / patterns.length;
    if (distinct.length >= needed && (!best || share > best.share)) best = { kind, hits: distinct, share };
  }
  if (best) return { kind: best.kind, reason: `sheet_header:${best.hits.slice(0, 3).join("+")}` };
  for (const [kind, pattern] of titles) {
    const title = labels.find((l) => pattern.test(l));
    if (title) return { kind, reason: `sheet_title:${pattern.exec(title)?.[0] ?? title}` };
  }
  return null;
}

function sheetLabels(sheet: Sheet): string[] {
  const labels: string[] = [];
  const rows = Math.min(rowCount(sheet), searchRows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columnCount(sheet); c++) {
      if (!isRegionStart(sheet, r, c)) continue;
      const text = cellText(sheet, r, c);
      if (text && text.length <= 60) labels.push(normalizeLabel(text).replace(/\(.*?\)$/u, ""));
    }
  }
  return labels;
}
