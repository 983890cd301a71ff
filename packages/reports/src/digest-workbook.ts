import ExcelJS from "exceljs";
import {
  formatCampaignTime,
  mediaTotalOf,
  statsTotals,
  statusLabel,
  statusLegend,
  type DailyCountRow,
  type DigestInfoRow,
  type DigestStatsRow,
  type StatusMatrix,
} from "@baosong/core";
import { fitColumns, freeze, headerCell, put, styleBody, titleRow, type CellInput } from "./sheet-writing.ts";

/** Everything the 汇总表 holds; the lead's digest job reads it from the dashboard views. */
export interface DigestWorkbookInput {
  campaignTitle: string;
  timeZone: string;
  /** When the data was read; printed under each title and used to tell 待交 from 未交. */
  now: Date;
  /** The roster, in its order: one row per school on every sheet. */
  schools: readonly string[];
  /** The campaign's media levels (市级及以上, 区县级 …). */
  mediaLevels: readonly string[];
  /** The latest 情况统计表 per school. */
  stats: readonly DigestStatsRow[];
  /** The latest 信息采集表 per school. */
  infoForms: readonly DigestInfoRow[];
  /** The campaign days for the daily sheet (the daily requirement's from..to). */
  days: readonly string[];
  daily: readonly DailyCountRow[];
  matrix: StatusMatrix;
}

/** The 汇总表 attached to a digest (SPEC §5): sheets laid out like the official forms. */
export async function buildDigestWorkbook(input: DigestWorkbookInput): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = "Baosong";
  wb.created = input.now;
  statsSheet(wb, input);
  infoSheet(wb, input);
  dailySheet(wb, input);
  statusSheet(wb, input);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/**
 * 情况统计表 as in seed 000 (附件2): the two-row header with 活动周媒体报道数 merged over the
 * campaign's levels; one row per school; 合计 last, where 参与活动的职业院校数 is the number
 * of schools whose form is counted (the figure a district reports upward).
 */
const statsHeads = [
  "区县/高职院校（含职教本科）",
  "参与活动的职业院校数\n（仅区县教育行政部门填写）",
  "参与活动的职业院校教师数",
  "参与活动的职业院校学生数",
  "参与活动的职业院校学生参与覆盖率",
  "参与活动的企业数",
  "参与\n总人数",
  "观摩体验活动\n项目数",
];

function statsSheet(wb: ExcelJS.Workbook, input: DigestWorkbookInput): void {
  const ws = wb.addWorksheet("情况统计表");
  const levels = input.mediaLevels;
  const width = statsHeads.length + Math.max(levels.length, 1);
  titleRow(ws, `${input.campaignTitle}情况统计表（汇总）`, width);
  statsHeads.forEach((h, i) => headerCell(ws, 2, i + 1, h, 2));
  const media = statsHeads.length + 1;
  if (levels.length) {
    headerCell(ws, 2, media, "活动周媒体报道数", 1, levels.length);
    levels.forEach((l, i) => headerCell(ws, 3, media + i, `${l}媒体报道数`));
  } else {
    headerCell(ws, 2, media, "活动周媒体报道数", 2);
  }
  const byLevels = (r: { media_reports_by_level: Readonly<Record<string, number | null | undefined>> }) =>
    levels.length ? levels.map((l) => r.media_reports_by_level[l]) : [];

  const bySchool = new Map(input.stats.map((s) => [s.school, s]));
  input.schools.forEach((school, i) => {
    const s = bySchool.get(school);
    const values: CellInput[] = s
      ? [
          school,
          s.schools_participating,
          s.teachers,
          s.students,
          null,
          s.enterprises,
          s.total_participants,
          s.activity_items,
          ...(levels.length ? byLevels(s) : [mediaTotalOf(s)]),
        ]
      : [school];
    writeRow(ws, 4 + i, values, width);
    if (s?.student_coverage_pct != null) putPercent(ws.getCell(4 + i, 5), s.student_coverage_pct);
  });

  const counted = input.stats.filter((s) => input.schools.includes(s.school));
  const t = statsTotals(counted, levels);
  const totalRow = 4 + input.schools.length;
  writeRow(
    ws,
    totalRow,
    [
      "合计",
      t.reporting,
      t.teachers,
      t.students,
      null,
      t.enterprises,
      t.total_participants,
      t.activity_items,
      ...(levels.length ? levels.map((l) => t.media_reports_by_level[l]) : [t.media_reports_total]),
    ],
    width,
  );
  if (t.student_coverage_pct !== null) putPercent(ws.getCell(totalRow, 5), t.student_coverage_pct);
  ws.getRow(totalRow).font = { bold: true };
  fitColumns(ws, 10, 22);
  note(
    ws,
    totalRow + 1,
    `说明：合计覆盖率按各校学生数与覆盖率推算的在校生总数计算。数据截至${formatCampaignTime(input.now, input.timeZone)}，取各校最新一次报送的统计表。`,
  );
  ws.getRow(2).height = 48;
  freeze(ws, 3);
}

/** 信息采集表 (附件1) rolled up: one row per school. */
const infoHeads = ["中职学校", "联系人", "职务", "手机", "QQ号", "专题网站（专栏）链接地址", "活动周初步考虑", "特色活动简介"];

function infoSheet(wb: ExcelJS.Workbook, input: DigestWorkbookInput): void {
  const ws = wb.addWorksheet("信息采集表");
  titleRow(ws, `${input.campaignTitle}信息采集表（汇总）`, infoHeads.length);
  infoHeads.forEach((h, i) => headerCell(ws, 2, i + 1, h));
  const bySchool = new Map(input.infoForms.map((f) => [f.school, f]));
  input.schools.forEach((school, i) => {
    const f = bySchool.get(school);
    const values: CellInput[] = f ? [school, f.contact_name, f.contact_title, f.mobile, f.qq, f.website_url, f.plan_text, f.featured_text] : [school];
    writeRow(ws, 3 + i, values, infoHeads.length, true);
  });
  fitColumns(ws, 8, 30);
  ws.getColumn(7).width = 50;
  ws.getColumn(8).width = 50;
  freeze(ws, 2);
}

/** 每日报送: school × day, each day split into 稿件 / 照片 / 视频, with totals both ways. */
const dailyParts = ["稿件", "照片", "视频"] as const;

function dailySheet(wb: ExcelJS.Workbook, input: DigestWorkbookInput): void {
  const ws = wb.addWorksheet("每日报送");
  const groups = [...input.days.map(monthDay), "合计"];
  const width = 1 + groups.length * dailyParts.length;
  titleRow(ws, `${input.campaignTitle}每日报送情况`, width);
  headerCell(ws, 2, 1, "学校", 2);
  groups.forEach((g, i) => {
    headerCell(ws, 2, 2 + i * 3, g, 1, 3);
    dailyParts.forEach((p, j) => headerCell(ws, 3, 2 + i * 3 + j, p));
  });
  const counts = new Map(input.daily.map((d) => [`${d.school}\u0000${d.day}`, d]));
  const columnSums = new Array<number>(width - 1).fill(0);
  input.schools.forEach((school, i) => {
    const perDay = input.days.map((day) => counts.get(`${school}\u0000${day}`));
    const figures = perDay.flatMap((d) => [d?.daily_reports ?? 0, d?.photos ?? 0, d?.videos ?? 0]);
    const totals = [0, 1, 2].map((k) => figures.filter((_, j) => j % 3 === k).reduce((a, b) => a + b, 0));
    [...figures, ...totals].forEach((n, j) => (columnSums[j] = (columnSums[j] ?? 0) + n));
    writeRow(ws, 4 + i, [school, ...figures, ...totals], width);
  });
  const totalRow = 4 + input.schools.length;
  writeRow(ws, totalRow, ["合计", ...columnSums], width);
  ws.getRow(totalRow).font = { bold: true };
  fitColumns(ws, 6, 30);
  freeze(ws, 3);
}

/** 报送情况: the status matrix of the digest mail, school × item. */
function statusSheet(wb: ExcelJS.Workbook, input: DigestWorkbookInput): void {
  const ws = wb.addWorksheet("报送情况");
  const m = input.matrix;
  const width = 1 + m.columns.length;
  const twoRows = m.columns.some((c) => c.group);
  const headRows = twoRows ? 2 : 1;
  titleRow(ws, `${input.campaignTitle}报送情况（截至${formatCampaignTime(input.now, input.timeZone)}）`, width);
  headerCell(ws, 2, 1, "学校", headRows);
  m.columns.forEach((c, i) => {
    if (!twoRows || !c.group) {
      headerCell(ws, 2, 2 + i, c.label, headRows);
    } else {
      headerCell(ws, 3, 2 + i, c.label);
      if (m.columns[i - 1]?.group !== c.group) headerCell(ws, 2, 2 + i, c.group, 1, m.columns.filter((x) => x.group === c.group).length);
    }
  });
  const first = 2 + headRows;
  m.rows.forEach((r, i) => writeRow(ws, first + i, [r.school, ...r.cells.map((s, j) => statusLabel(s, m.columns[j]!.dueAt, input.now))], width));
  fitColumns(ws, 8, 30);
  note(ws, first + m.rows.length, statusLegend);
  freeze(ws, 1 + headRows);
}

function writeRow(ws: ExcelJS.Worksheet, row: number, values: readonly CellInput[], width: number, wrap = false): void {
  for (let c = 1; c <= width; c++) {
    const cell = ws.getCell(row, c);
    put(cell, values[c - 1]);
    styleBody(cell, wrap);
  }
}

/** Coverage is stored as 85 (SPEC §4); Excel shows a fraction in percent format. */
function putPercent(cell: ExcelJS.Cell, pct: number): void {
  cell.value = pct / 100;
  cell.numFmt = Number.isInteger(pct) ? "0%" : "0.0%";
}

function note(ws: ExcelJS.Worksheet, row: number, text: string): void {
  put(ws.getCell(row, 1), text);
  ws.getCell(row, 1).font = { italic: true, color: { argb: "FF666666" } };
}

function monthDay(day: string): string {
  const [, m, d] = day.split("-").map(Number) as [number, number, number];
  return `${m}月${d}日`;
}
