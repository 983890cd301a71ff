import { finding, type Finding } from "../finding.ts";
import { isReporterRow, readReporter, type Reporter } from "./label-value.ts";
import { cellText, cellValue, isNoteText, rowCount, columnCount, type Sheet } from "./sheet.ts";
import { findHeaderBand, mapColumns, type StatsColumn, type StatsColumns, type StatsCountField } from "./stats-columns.ts";
import { readCount, readPercent, textOrNull, type NumberReading } from "./values.ts";

/** The figures of one row of a 情况统计表 (SPEC §4); null where not given or not readable. */
export interface StatsFields {
  unit_name: string | null;
  schools_participating: number | null;
  teachers: number | null;
  students: number | null;
  /** 0–100: 85%, 0.85 and 85 are all stored as 85. */
  student_coverage_pct: number | null;
  enterprises: number | null;
  total_participants: number | null;
  activity_items: number | null;
  /** As written, or the sum of the levels when the form has no total column of its own. */
  media_reports_total: number | null;
  /** Keyed by the campaign's level labels: { "市级及以上": 3, "区县级": 12 }. */
  media_reports_by_level: Record<string, number | null>;
}

export interface StatsFormRow {
  /** 0-based row in the sheet (Excel row number minus one). */
  row: number;
  fields: StatsFields;
  findings: Finding[];
}

export interface StatsFormReading {
  /** The form's own figures: its single data row, or the 合计 row of a bureau's list; else null. */
  fields: StatsFields | null;
  /** Every finding: about the sheet, then each row's, then the 合计 row's. */
  findings: Finding[];
  /** One per school or unit listed, the 合计 row excluded. */
  rows: StatsFormRow[];
  /** The 合计/总计 row, when a bureau's list has one. */
  total: StatsFormRow | null;
  /** 填报单位 / 填报人 / 联系电话 from the title or signature rows. */
  reporter: Reporter;
}

export interface StatsFormOptions {
  /** The campaign's media levels (requirement rules.media_levels), e.g. ["市级及以上", "区县级"]. */
  mediaLevels: readonly string[];
}

/** How each field is named to a clerk and what a good value looks like. */
const fieldWords: Record<StatsCountField | "student_coverage_pct" | "unit_name", { name: string; what: string; example: string }> = {
  unit_name: { name: "单位名称", what: "学校或单位的全称", example: "" },
  schools_participating: { name: "参与活动的职业院校数", what: "具体学校数", example: "12" },
  teachers: { name: "参与活动的教师数", what: "具体人数", example: "120" },
  students: { name: "参与活动的学生数", what: "具体人数", example: "1500" },
  student_coverage_pct: { name: "学生参与覆盖率", what: "百分比", example: "85%" },
  enterprises: { name: "参与活动的企业数", what: "具体企业数", example: "8" },
  total_participants: { name: "参与总人数", what: "具体人数", example: "2000" },
  activity_items: { name: "观摩体验活动项目数", what: "具体项目数", example: "6" },
  media_reports_total: { name: "活动周媒体报道数", what: "具体篇数", example: "15" },
};
const countFields = ["schools_participating", "teachers", "students", "enterprises", "total_participants", "activity_items", "media_reports_total"] as const;
/** schools_participating is for district bureaus only; the media total may be left to the levels. */
const requiredFields = ["unit_name", "teachers", "students", "student_coverage_pct", "enterprises", "total_participants", "activity_items"] as const;

/** Reads a 情况统计表 from its header down: columns by label wherever they moved, every data row checked. */
export function readStatsForm(sheet: Sheet, options: StatsFormOptions): StatsFormReading {
  const levels = options.mediaLevels;
  const band = findHeaderBand(sheet, levels);
  const reporter = readReporter(sheet, { fromRow: 0, toRow: rowCount(sheet) });
  if (!band) {
    const message = "没有在表格中找到统计表的表头（如‘参与活动的教师数’‘参与活动的学生数’）。请使用通知所附的《情况统计表》模板填写后重新发送。";
    return { fields: null, findings: [finding("error", "stats.no_header", message)], rows: [], total: null, reporter };
  }
  const columns = mapColumns(sheet, band, levels);
  const sheetFindings = columnFindings(columns, levels);
  const read: StatsFormRow[] = dataRows(sheet, band.bottom + 1, columns).map((row) => ({ row, ...readRow(sheet, row, columns, levels) }));
  const isTotal = (r: StatsFormRow) => /^(合计|总计|小计|总数)$/u.test(r.fields.unit_name?.replace(/\s+/gu, "") ?? "");
  const total = read.find(isTotal) ?? null;
  const rows = read.filter((r) => !isTotal(r));
  if (rows.length === 1 && rows[0]!.fields.unit_name === null && reporter.unit) {
    rows[0]!.fields.unit_name = reporter.unit;
    rows[0]!.findings = rows[0]!.findings.filter((f) => f.field !== "unit_name");
  }
  if (rows.length > 1) for (const r of rows) prefixFindings(r, `第${r.row + 1}行（${r.fields.unit_name ?? "未填单位"}）：`);
  if (total) prefixFindings(total, "合计行：");
  if (read.length === 0) {
    sheetFindings.push(finding("error", "stats.no_data", "统计表中没有找到填写的数据。请在表头下方一行填写本单位的各项数字后重新发送。"));
  }
  return {
    fields: total?.fields ?? (rows.length === 1 ? rows[0]!.fields : null),
    findings: [...sheetFindings, ...rows.flatMap((r) => r.findings), ...(total?.findings ?? [])],
    rows,
    total,
    reporter,
  };
}

function prefixFindings(row: StatsFormRow, prefix: string): void {
  row.findings = row.findings.map((f) => ({ ...f, message: prefix + f.message }));
}

/** Rows below the header that hold figures; the table ends at 填表说明, signature rows are skipped. */
function dataRows(sheet: Sheet, from: number, columns: StatsColumns): number[] {
  const valueColumns = [...Object.values(columns.fields), ...columns.levels.values()].map((c) => c.col);
  const rows: number[] = [];
  for (let r = from; r < rowCount(sheet); r++) {
    const first = firstText(sheet, r);
    if (first !== "" && isNoteText(first)) break;
    if (isReporterRow(sheet, r) || isUnitsRow(sheet, r, valueColumns)) continue;
    if (valueColumns.some((c) => cellText(sheet, r, c) !== "")) rows.push(r);
  }
  return rows;
}

/** Units written under the header (人, 个, %, 篇): a row that says how to fill the columns, not figures. */
function isUnitsRow(sheet: Sheet, row: number, valueColumns: readonly number[]): boolean {
  const texts = valueColumns.map((c) => cellText(sheet, row, c)).filter((t) => t !== "");
  return texts.length > 0 && texts.every((t) => /^[(（]?(人|人次|名|个|所|家|项|次|篇|条|场|%|％)[)）]?$/u.test(t));
}

function firstText(sheet: Sheet, row: number): string {
  for (let c = 0; c < columnCount(sheet); c++) {
    const text = cellText(sheet, row, c);
    if (text) return text;
  }
  return "";
}

function columnFindings(columns: StatsColumns, levels: readonly string[]): Finding[] {
  const findings: Finding[] = [];
  const missing = (field: string, name: string) =>
    finding("error", "stats.missing_column", `表中没有找到‘${name}’一栏。请使用通知所附的统计表模板填写，不要删除或改动表头。`, field);
  for (const field of requiredFields) if (!columns.fields[field]) findings.push(missing(field, fieldWords[field].name));
  for (const level of levels) {
    if (!columns.levels.has(level)) findings.push(missing(`media_reports_by_level.${level}`, `${level}媒体报道数`));
  }
  if (levels.length === 0 && columns.levels.size === 0 && !columns.fields.media_reports_total) {
    findings.push(missing("media_reports_total", fieldWords.media_reports_total.name));
  }
  for (const column of columns.unknownLevels) {
    const message = `表中‘${column.label}’一栏不属于本次活动要求的媒体级别（${levels.join("、")}），未计入统计。请使用本次通知所附的统计表模板。`;
    findings.push(finding("warning", "stats.unknown_media_level", message, "media_reports_by_level"));
  }
  return findings;
}

function readRow(sheet: Sheet, row: number, columns: StatsColumns, levels: readonly string[]): { fields: StatsFields; findings: Finding[] } {
  const findings: Finding[] = [];
  const count = (field: string, column: StatsColumn | undefined, words: { what: string; example: string }, required: boolean) => {
    if (!column) return null;
    const reading = readCount(cellValue(sheet, row, column.col));
    return countValue(reading, field, column.label, words, required, findings);
  };
  const unitColumn = columns.fields.unit_name;
  const fields: StatsFields = {
    unit_name: unitColumn ? textOrNull(cellValue(sheet, row, unitColumn.col)) : null,
    schools_participating: null,
    teachers: null,
    students: null,
    student_coverage_pct: coverage(sheet, row, columns, findings),
    enterprises: null,
    total_participants: null,
    activity_items: null,
    media_reports_total: null,
    media_reports_by_level: {},
  };
  if (unitColumn && fields.unit_name === null) {
    const message = `未填写单位名称（‘${unitColumn.label}’一栏）。请填写学校或单位的全称。`;
    findings.push(finding("error", "stats.missing_field", message, "unit_name"));
  }
  for (const field of countFields) {
    const required = (requiredFields as readonly string[]).includes(field);
    fields[field] = count(field, columns.fields[field], fieldWords[field], required);
  }
  for (const [level, column] of columns.levels) {
    const words = { what: "具体篇数", example: "5" };
    fields.media_reports_by_level[level] = count(`media_reports_by_level.${level}`, column, words, levels.length > 0);
  }
  const totalColumn = columns.fields.media_reports_total;
  if (!totalColumn || cellText(sheet, row, totalColumn.col) === "") fields.media_reports_total = levelSum(fields, levels) ?? null;
  findings.push(...crossChecks(fields, columns));
  return { fields, findings };
}

function countValue(
  reading: NumberReading,
  field: string,
  label: string,
  words: { what: string; example: string },
  required: boolean,
  findings: Finding[],
): number | null {
  switch (reading.status) {
    case "ok":
      return reading.value;
    case "empty":
      if (required) findings.push(finding("error", "stats.missing_field", `‘${label}’未填写。请填写${words.what}；如没有，请填 0。`, field));
      return null;
    case "negative":
      findings.push(finding("error", "stats.negative", `‘${label}’不能是负数，当前为‘${reading.text}’。请填写${words.what}；如没有，请填 0。`, field));
      return null;
    default:
      findings.push(finding("error", "stats.not_integer", `‘${label}’应填写整数，当前为‘${reading.text}’。请填写${words.what}，如 ${words.example}。`, field));
      return null;
  }
}

function coverage(sheet: Sheet, row: number, columns: StatsColumns, findings: Finding[]): number | null {
  const column = columns.fields.student_coverage_pct;
  if (!column) return null;
  const value = cellValue(sheet, row, column.col);
  const reading = readPercent(value);
  const field = "student_coverage_pct";
  const label = column.label;
  switch (reading.status) {
    case "ok":
      if (String(value).trim() === "1") {
        const message = `‘${label}’填写为 1，已按 1% 记录。如实际为全部学生参与，请改填 100%。`;
        findings.push(finding("warning", "stats.coverage_ambiguous", message, field));
      }
      return reading.value;
    case "empty":
      findings.push(finding("error", "stats.missing_field", `‘${label}’未填写。请填写参与活动的学生占在校生的百分比，如 85%。`, field));
      return null;
    case "out_of_range":
      findings.push(
        finding(
          "error",
          "stats.coverage_range",
          `‘${label}’应在 0% 到 100% 之间，当前为‘${reading.text}’。请填写参与活动的学生占在校生的百分比，如 85%。`,
          field,
        ),
      );
      return null;
    default:
      findings.push(finding("error", "stats.not_percentage", `‘${label}’应填写百分比，当前为‘${reading.text}’。请填写具体数值，如 85%。`, field));
      return null;
  }
}

/** The levels' sum when every level the campaign names was read; undefined otherwise. */
function levelSum(fields: StatsFields, levels: readonly string[]): number | undefined {
  const keys = levels.length > 0 ? levels : Object.keys(fields.media_reports_by_level);
  const values = keys.map((k) => fields.media_reports_by_level[k]);
  if (values.length === 0 || values.some((v) => v === null || v === undefined)) return undefined;
  return values.reduce<number>((a, b) => a + (b ?? 0), 0);
}

function crossChecks(fields: StatsFields, columns: StatsColumns): Finding[] {
  const findings: Finding[] = [];
  const totalColumn = columns.fields.media_reports_total;
  const levelKeys = [...columns.levels.keys()];
  const sum = levelSum(fields, levelKeys);
  if (totalColumn && fields.media_reports_total !== null && sum !== undefined && sum !== fields.media_reports_total) {
    const parts = levelKeys.map((k) => `${k} ${fields.media_reports_by_level[k]}`).join(" + ");
    const message = `各级媒体报道数之和（${parts} = ${sum}）与‘${totalColumn.label}’（${fields.media_reports_total}）不一致。请核对后修改，使各级报道数相加等于总数。`;
    findings.push(finding("error", "stats.levels_sum", message, "media_reports_total"));
  }
  const { teachers, students, total_participants: total } = fields;
  if (teachers !== null && students !== null && total !== null && total < teachers + students) {
    const label = columns.fields.total_participants?.label ?? fieldWords.total_participants.name;
    const message = `‘${label}’（${total}）少于教师数与学生数之和（${teachers} + ${students} = ${teachers + students}）。参与总人数应包含参与活动的教师、学生和其他人员，请核对后修改。`;
    findings.push(finding("warning", "stats.total_below_parts", message, "total_participants"));
  }
  return findings;
}
