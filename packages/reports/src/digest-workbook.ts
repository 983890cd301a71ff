import type { Writable } from "node:stream";
import ExcelJS from "exceljs";
import { formatCampaignTime, mediaTotalOf, statusLabel, statusLegend, type StatsTotals, type StatusMatrix } from "@baosong/core";
import type { DayCounts, DigestRows, SchoolDailyRow, SchoolInfoRow, SchoolStatsRow, Visit } from "./digest-rows.ts";
import {
  bodyStyle,
  ColumnWidths,
  headerCells,
  noteRow,
  openSheet,
  percentStyle,
  titleRow,
  totalStyle,
  wrappedBodyStyle,
  writeRow,
  type CellInput,
  type HeaderCell,
} from "./sheet-writing.ts";

/** Everything the 汇总表 holds; the digest job reads it from the dashboard views. */
export interface DigestWorkbookInput {
  campaignTitle: string;
  timeZone: string;
  /** When the data was read; printed under each title and used to tell 待交 from 未交. */
  now: Date;
  /** The roster, in its order: one row per school on every sheet. */
  schools: readonly string[];
  /** The campaign's media levels (市级及以上, 区县级 …). */
  mediaLevels: readonly string[];
  /** The campaign days for the daily sheet (the daily requirement's from..to). */
  days: readonly string[];
  /** One row per roster school on the 情况统计表, 信息采集表 and 每日报送 sheets. */
  rows: DigestRows;
  /** The 合计 of the latest 情况统计表 of the roster's schools. */
  statsTotals: StatsTotals;
  matrix: StatusMatrix;
}

/**
 * The 汇总表 attached to a digest (SPEC §5), sheets laid out like the official forms,
 * streamed to `out` (ended when done): memory stays flat however many schools there are.
 */
export async function writeDigestWorkbook(input: DigestWorkbookInput, out: Writable): Promise<void> {
  const closed = closedEarly(out);
  try {
    // Shared strings would keep every distinct string of the workbook in memory until the end.
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
    wb.creator = "Baosong";
    wb.created = input.now;
    const guarded = { ...input, rows: stopWhenClosed(input.rows, out) };
    await statsSheet(wb, guarded);
    await infoSheet(wb, guarded);
    await dailySheet(wb, guarded);
    statusSheet(wb, guarded);
    // The writer resolves on the output's 'finish', which a destroyed output never emits.
    await Promise.race([wb.commit(), closed]);
  } catch (err) {
    out.destroy(err as Error);
    throw err;
  }
}

export class WorkbookOutputClosedError extends Error {
  readonly code = "WorkbookOutputClosed";
  constructor() {
    super("the workbook's output closed before the workbook was written");
  }
}

/** Rejects when `out` fails or closes unfinished (the blob store or the file gave up). */
function closedEarly(out: Writable): Promise<never> {
  const closed = new Promise<never>((_, reject) => {
    out.once("error", reject);
    out.once("close", () => {
      if (!out.writableFinished) reject(new WorkbookOutputClosedError());
    });
  });
  closed.catch(() => undefined);
  return closed;
}

/** Rows that stop coming once nobody reads the workbook: the cursor is closed, not read to the end. */
function stopWhenClosed(rows: DigestRows, out: Writable): DigestRows {
  const guard =
    <T>(visit: Visit<T>): Visit<T> =>
    (row) => {
      if (out.destroyed) throw new WorkbookOutputClosedError();
      return visit(row);
    };
  return {
    eachStats: (visit) => rows.eachStats(guard(visit)),
    eachInfo: (visit) => rows.eachInfo(guard(visit)),
    eachDaily: (totals, visit) => rows.eachDaily(totals, guard(visit)),
  };
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
const COVERAGE_COL = 5;

async function statsSheet(wb: ExcelJS.Workbook, input: DigestWorkbookInput): Promise<void> {
  const levels = input.mediaLevels;
  const width = statsHeads.length + Math.max(levels.length, 1);
  const heads = statsHeaders(levels);
  const t = input.statsTotals;
  const totals: CellInput[] = [
    "合计",
    t.reporting,
    t.teachers,
    t.students,
    t.student_coverage_pct === null ? null : t.student_coverage_pct / 100,
    t.enterprises,
    t.total_participants,
    t.activity_items,
    ...(levels.length ? levels.map((l) => t.media_reports_by_level[l]) : [t.media_reports_total]),
  ];
  const note = `说明：合计覆盖率按各校学生数与覆盖率推算的在校生总数计算。数据截至${formatCampaignTime(input.now, input.timeZone)}，取各校最新一次报送的统计表。`;

  // One pass: a school's figures are no wider than their 合计 (non-negative counts), and the
  // headers are wider than any coverage.
  const widths = new ColumnWidths(10, 22);
  widths.seeHeaders(heads);
  for (const school of input.schools) widths.see(1, school);
  widths.seeRow(totals);

  const ws = openSheet(wb, "情况统计表", widths.widths(), 3);
  titleRow(ws, `${input.campaignTitle}情况统计表（汇总）`, width);
  headerCells(ws, heads);
  ws.getRow(2).height = 48;
  ws.getRow(3).commit();
  let row = 4;
  await input.rows.eachStats((r) => {
    const written = writeRow(ws, row++, statsValues(r, levels), width);
    if (r.form?.student_coverage_pct != null) written.getCell(COVERAGE_COL).style = percentStyle(bodyStyle, r.form.student_coverage_pct);
    written.commit();
  });
  const total = writeRow(ws, row, totals, width, totalStyle);
  if (t.student_coverage_pct !== null) total.getCell(COVERAGE_COL).style = percentStyle(totalStyle, t.student_coverage_pct);
  total.commit();
  noteRow(ws, row + 1, note);
  ws.commit();
}

function statsHeaders(levels: readonly string[]): HeaderCell[] {
  const heads: HeaderCell[] = statsHeads.map((text, i) => ({ row: 2, col: i + 1, text, rows: 2 }));
  const media = statsHeads.length + 1;
  if (!levels.length) return [...heads, { row: 2, col: media, text: "活动周媒体报道数", rows: 2 }];
  return [
    ...heads,
    { row: 2, col: media, text: "活动周媒体报道数", cols: levels.length },
    ...levels.map((l, i) => ({ row: 3, col: media + i, text: `${l}媒体报道数` })),
  ];
}

function statsValues({ school, form: s }: SchoolStatsRow, levels: readonly string[]): CellInput[] {
  if (!s) return [school];
  return [
    school,
    s.schools_participating,
    s.teachers,
    s.students,
    // Coverage is stored as 85 (SPEC §4); Excel shows a fraction in percent format.
    s.student_coverage_pct == null ? null : s.student_coverage_pct / 100,
    s.enterprises,
    s.total_participants,
    s.activity_items,
    ...(levels.length ? levels.map((l) => s.media_reports_by_level[l]) : [mediaTotalOf(s)]),
  ];
}

/** 信息采集表 (附件1) rolled up: one row per school. */
const infoHeads = ["中职学校", "联系人", "职务", "手机", "QQ号", "专题网站（专栏）链接地址", "活动周初步考虑", "特色活动简介"];
/** 活动周初步考虑 and 特色活动简介 are paragraphs: wide, wrapped columns. */
const PARAGRAPH_WIDTH = 50;

async function infoSheet(wb: ExcelJS.Workbook, input: DigestWorkbookInput): Promise<void> {
  const heads: HeaderCell[] = infoHeads.map((text, i) => ({ row: 2, col: i + 1, text }));
  const widths = new ColumnWidths(8, 30);
  widths.seeHeaders(heads);
  await input.rows.eachInfo((r) => widths.seeRow(infoValues(r)));
  const fitted = widths.widths();
  fitted[6] = PARAGRAPH_WIDTH;
  fitted[7] = PARAGRAPH_WIDTH;

  const ws = openSheet(wb, "信息采集表", fitted, 2);
  titleRow(ws, `${input.campaignTitle}信息采集表（汇总）`, infoHeads.length);
  headerCells(ws, heads);
  ws.getRow(2).commit();
  let row = 3;
  await input.rows.eachInfo((r) => writeRow(ws, row++, infoValues(r), infoHeads.length, wrappedBodyStyle).commit());
  ws.commit();
}

function infoValues({ school, form: f }: SchoolInfoRow): CellInput[] {
  return f ? [school, f.contact_name, f.contact_title, f.mobile, f.qq, f.website_url, f.plan_text, f.featured_text] : [school];
}

/** 每日报送: school × day, each day split into 稿件 / 照片 / 视频, with totals both ways. */
const dailyParts = ["稿件", "照片", "视频"] as const;

async function dailySheet(wb: ExcelJS.Workbook, input: DigestWorkbookInput): Promise<void> {
  const groups = [...input.days.map(monthDay), "合计"];
  const width = 1 + groups.length * dailyParts.length;
  const heads: HeaderCell[] = [
    { row: 2, col: 1, text: "学校", rows: 2 },
    ...groups.flatMap((g, i) => [{ row: 2, col: 2 + i * 3, text: g, cols: 3 }, ...dailyParts.map((p, j) => ({ row: 3, col: 2 + i * 3 + j, text: p }))]),
  ];
  let ws: ExcelJS.Worksheet | undefined;
  let totals: CellInput[] = [];
  // The totals come first: no school's count is wider than its column's 合计, so they size the sheet.
  const open = (perDay: readonly DayCounts[]) => {
    totals = dailyValues({ school: "合计", perDay });
    const widths = new ColumnWidths(6, 30);
    widths.seeHeaders(heads);
    for (const school of input.schools) widths.see(1, school);
    widths.seeRow(totals);
    ws = openSheet(wb, "每日报送", widths.widths(), 3);
    titleRow(ws, `${input.campaignTitle}每日报送情况`, width);
    headerCells(ws, heads);
    ws.getRow(3).commit();
  };
  let row = 4;
  await input.rows.eachDaily(open, (r) => {
    if (ws) writeRow(ws, row++, dailyValues(r), width).commit();
  });
  if (!ws) throw new Error("the daily rows came without their totals");
  writeRow(ws, row, totals, width, totalStyle).commit();
  ws.commit();
}

/** The school, its figures day by day, then its totals of 稿件, 照片 and 视频. */
function dailyValues(r: SchoolDailyRow): CellInput[] {
  const figures: number[] = [];
  let reports = 0;
  let photos = 0;
  let videos = 0;
  for (const d of r.perDay) {
    figures.push(d.daily_reports, d.photos, d.videos);
    reports += d.daily_reports;
    photos += d.photos;
    videos += d.videos;
  }
  return [r.school, ...figures, reports, photos, videos];
}

/** 报送情况: the status matrix of the digest mail, school × item. */
function statusSheet(wb: ExcelJS.Workbook, input: DigestWorkbookInput): void {
  const m = input.matrix;
  const width = 1 + m.columns.length;
  const twoRows = m.columns.some((c) => c.group);
  const headRows = twoRows ? 2 : 1;
  const heads: HeaderCell[] = [{ row: 2, col: 1, text: "学校", rows: headRows }];
  m.columns.forEach((c, i) => {
    if (!twoRows || !c.group) {
      heads.push({ row: 2, col: 2 + i, text: c.label, rows: headRows });
      return;
    }
    heads.push({ row: 3, col: 2 + i, text: c.label });
    if (m.columns[i - 1]?.group !== c.group) heads.push({ row: 2, col: 2 + i, text: c.group, cols: m.columns.filter((x) => x.group === c.group).length });
  });
  const values = (r: StatusMatrix["rows"][number]): CellInput[] => [r.school, ...r.cells.map((s, j) => statusLabel(s, m.columns[j]!.dueAt, input.now))];
  const widths = new ColumnWidths(8, 30);
  widths.seeHeaders(heads);
  for (const r of m.rows) widths.seeRow(values(r));

  const ws = openSheet(wb, "报送情况", widths.widths(), 1 + headRows);
  titleRow(ws, `${input.campaignTitle}报送情况（截至${formatCampaignTime(input.now, input.timeZone)}）`, width);
  headerCells(ws, heads);
  ws.getRow(1 + headRows).commit();
  const first = 2 + headRows;
  m.rows.forEach((r, i) => writeRow(ws, first + i, values(r), width).commit());
  noteRow(ws, first + m.rows.length, statusLegend);
  ws.commit();
}

function monthDay(day: string): string {
  const [, m, d] = day.split("-").map(Number) as [number, number, number];
  return `${m}月${d}日`;
}
