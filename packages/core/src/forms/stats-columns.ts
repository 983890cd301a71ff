import { readCount } from "./values.ts";
import { cellText, cellValue, columnCount, displayLabel, mergeAt, normalizeLabel, rowCount, type Sheet } from "./sheet.ts";

/** The numeric fields of a 情况统计表 (SPEC §4), besides the per-level media counts. */
export type StatsCountField =
  | "schools_participating"
  | "teachers"
  | "students"
  | "enterprises"
  | "total_participants"
  | "activity_items"
  | "media_reports_total";
export type StatsColumnField = "unit_name" | "student_coverage_pct" | StatsCountField;

export type ColumnRole = { role: "field"; field: StatsColumnField } | { role: "level"; level: string } | { role: "unknown_level" };

/**
 * Header labels by field, tried in this order on a column's lowest label: 覆盖率 before
 * 学生, 院校数 before 院校 ("参与活动的职业院校数" is a count, "区县/高职院校" a name).
 */
const fieldRules: readonly [StatsColumnField, RegExp][] = [
  ["student_coverage_pct", /覆盖率|参与率|覆盖面/u],
  ["schools_participating", /院校数|学校数/u],
  ["teachers", /教师|教职工/u],
  ["students", /学生/u],
  ["enterprises", /企业/u],
  ["total_participants", /总人数|总人次|人数合计|参与人数/u],
  ["activity_items", /项目数|活动项目/u],
  ["unit_name", /区县|高职|院校|学校|单位|名称|市\(州\)/u],
];

const mediaLabel = /媒体|报道/u;
const totalLabel = /^(合计|总数|小计|总计|共计)$/u;

/** 市级及以上 / 市级及以上媒体报道数 / 市级 → 市; 县(区)级 and 区县级 both → 区县 (order-free). */
function levelCore(label: string): string {
  // A unit hint at the end (（篇）) says nothing about the level: 市（州）级媒体报道数（篇）is 市(州)级.
  const bare = normalizeLabel(label).replace(/\((篇|条|次|个|件|篇数)\)$/u, "");
  const core = bare.replace(/活动周|媒体报道数?|报道数|媒体|及以上|以上|级|[()/、]/gu, "");
  return Array.from(core).sort().join("");
}

export function matchLevel(label: string, levels: readonly string[]): string | null {
  const core = levelCore(label);
  if (core === "") return null;
  return levels.find((l) => levelCore(l) === core) ?? null;
}

/** What a column holds, from its header labels top to bottom (normalised, repeats removed). */
export function classifyColumn(path: readonly string[], levels: readonly string[]): ColumnRole | null {
  const leaf = path.at(-1);
  if (!leaf) return null;
  const level = matchLevel(leaf, levels);
  if (level && /级|以上/u.test(leaf)) return { role: "level", level };
  if (path.some((p) => mediaLabel.test(p)) || /级/u.test(leaf)) {
    if (totalLabel.test(leaf) || (mediaLabel.test(leaf) && !/级|以上/u.test(leaf))) {
      return { role: "field", field: "media_reports_total" };
    }
    return /级|以上/u.test(leaf) ? { role: "unknown_level" } : null;
  }
  for (const candidate of [leaf, path.join("/")]) {
    const rule = fieldRules.find(([, pattern]) => pattern.test(candidate));
    if (rule) return { role: "field", field: rule[0] };
  }
  return null;
}

/** Rows [top, bottom] holding the table's header, inclusive. */
export interface HeaderBand {
  top: number;
  bottom: number;
}

/** Header rows are within the first rows of a form; title and 填报单位 rows come first. */
const headerSearchRows = 40;

function roleKey(role: ColumnRole | null, label: string): string | null {
  if (!role) return null;
  return role.role === "field" ? role.field : `${role.role}:${label}`;
}

function rowScore(sheet: Sheet, row: number, levels: readonly string[]): number {
  const roles = new Set<string>();
  for (let c = 0; c < columnCount(sheet); c++) {
    const text = cellText(sheet, row, c);
    if (!text || text.length > 40) continue;
    const label = normalizeLabel(text);
    const key = roleKey(classifyColumn([label], levels), label);
    if (key) roles.add(key);
  }
  return roles.size;
}

/** A row of sub-headers: level labels or 合计 under 活动周媒体报道数, and no numbers. */
function isSubHeaderRow(sheet: Sheet, row: number, levels: readonly string[]): boolean {
  let labels = 0;
  for (let c = 0; c < columnCount(sheet); c++) {
    const value = cellValue(sheet, row, c);
    if (value === null || String(value).trim() === "") continue;
    if (readCount(value).status === "ok") return false;
    const label = normalizeLabel(String(value));
    const role = classifyColumn([label], levels);
    if (totalLabel.test(label) || role?.role === "level" || role?.role === "unknown_level") labels++;
    else if (role?.role === "field" && role.field === "media_reports_total") labels++;
  }
  return labels > 0;
}

/**
 * The header band: the row naming the most fields, widened to the rows its merged cells
 * span (活动周媒体报道数 over its levels) and to sub-header rows just above or below.
 */
export function findHeaderBand(sheet: Sheet, levels: readonly string[]): HeaderBand | null {
  let best = -1;
  let bestScore = 0;
  const last = Math.min(rowCount(sheet), headerSearchRows);
  for (let r = 0; r < last; r++) {
    const score = rowScore(sheet, r, levels);
    if (score > bestScore) [best, bestScore] = [r, score];
  }
  if (bestScore < 3) return null;
  let top = best;
  let bottom = best;
  for (let c = 0; c < columnCount(sheet); c++) {
    const m = mergeAt(sheet, best, c);
    if (m) [top, bottom] = [Math.min(top, m.top), Math.max(bottom, m.bottom)];
  }
  for (let i = 0; i < 2 && bottom + 1 < rowCount(sheet) && isSubHeaderRow(sheet, bottom + 1, levels); i++) bottom++;
  for (let i = 0; i < 2 && top > 0 && isSubHeaderRow(sheet, top - 1, levels); i++) top--;
  return { top, bottom };
}

export interface StatsColumn {
  col: number;
  /** The header as the clerk sees it, for messages: "参与活动的职业院校教师数". */
  label: string;
}

export interface StatsColumns {
  fields: Partial<Record<StatsColumnField, StatsColumn>>;
  /** Keyed by the campaign's level labels (or the sheet's own when the campaign names none). */
  levels: Map<string, StatsColumn>;
  /** Level columns the campaign does not name. */
  unknownLevels: StatsColumn[];
}

/** Which column holds which field; the leftmost column wins when two claim one field. */
export function mapColumns(sheet: Sheet, band: HeaderBand, levels: readonly string[]): StatsColumns {
  const columns: StatsColumns = { fields: {}, levels: new Map(), unknownLevels: [] };
  for (let c = 0; c < columnCount(sheet); c++) {
    const path: string[] = [];
    let leafText = "";
    for (let r = band.top; r <= band.bottom; r++) {
      const text = cellText(sheet, r, c);
      const label = normalizeLabel(text);
      if (label && label !== path.at(-1)) [path[path.length], leafText] = [label, text];
    }
    const role = classifyColumn(path, levels);
    const column = { col: c, label: displayLabel(leafText) };
    if (role?.role === "field") columns.fields[role.field] ??= column;
    else if (role?.role === "level" && !columns.levels.has(role.level)) columns.levels.set(role.level, column);
    else if (role?.role === "unknown_level") {
      const own = column.label.replace(/媒体报道数?$/u, "");
      if (levels.length > 0) columns.unknownLevels.push(column);
      else if (!columns.levels.has(own)) columns.levels.set(own, column);
    }
  }
  return columns;
}
