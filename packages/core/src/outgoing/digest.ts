import type { ComposedMail } from "./acknowledgement.ts";
import { formatCampaignTime } from "../campaign-time.ts";
import { kindLabels } from "../kinds.ts";
import type { StatusMatrix } from "../schedule/school-status.ts";
import { statusLabel, statusLegend, type DaySubmission, type DigestFrame, type ExpiringLink, type OpenFindingsCount, type StatsTotals } from "./digest-data.ts";
import { formatDay, renderHtml, renderText, type HeaderCell, type MailBlock } from "./mail-blocks.ts";

export interface DigestInput extends DigestFrame {
  /** Items filed on `day`. */
  submissions: readonly DaySubmission[];
  /** The 合计 of the latest 情况统计表 of the roster's schools (the mail shows no school's own figures). */
  statsTotals: StatsTotals;
  openFindings: readonly OpenFindingsCount[];
  largeAttachments: readonly ExpiringLink[];
  /** QQ links expiring within this many days are listed. Default 7. */
  expiringWithinDays?: number;
  /** The attached workbook's file name, when one is attached. */
  attachmentName?: string;
}

/** A mail lists this many of the day's items; the workbook holds them all. */
const MAX_LISTED_SUBMISSIONS = 100;
/**
 * A mail's status table has at most this many schools: a district's or a province's whole
 * roster fits. Beyond it (a roster of thousands) the mail lists the schools that need
 * attention first, and the workbook holds every school: a table of 10,000 rows is neither
 * readable in a mail client nor accepted by QQ's mail size limits.
 */
const MAX_LISTED_SCHOOLS = 500;

/** 日报摘要 (SPEC §5): the evening digest to officials, and the final one after the last deadline. */
export function composeDigest(d: DigestInput): ComposedMail {
  const subject = d.final ? `【最终汇总】${d.campaignTitle}报送情况（截至${formatDay(d.day)}）` : `【日报摘要】${formatDay(d.day)} ${d.campaignTitle}报送情况`;
  const blocks: MailBlock[] = [
    { kind: "p", text: "各位老师：" },
    {
      kind: "p",
      text: `以下是${d.campaignTitle}截至${formatCampaignTime(d.now, d.timeZone)}的报送情况${d.final ? "（所有截止时间均已过，这是最终汇总）" : ""}。名册共${d.matrix.rows.length}所学校。`,
    },
    ...overview(d),
    ...matrixSection(d.matrix, d.now, d.attachmentName),
    ...submissionsSection(d),
    ...statsSection(d),
    ...findingsSection(d.openFindings, d.attachmentName),
    ...linksSection(d),
  ];
  if (d.attachmentName) blocks.push({ kind: "p", text: `完整数据见附件《${d.attachmentName}》，表格按上报格式排列，可直接转发。` });
  blocks.push({ kind: "p", text: `${d.organizer}\n${d.campaignTitle}报送系统（本邮件由系统自动发送）` });
  return { subject, text: renderText(blocks), html: renderHtml(subject, blocks) };
}

function overview(d: DigestInput): MailBlock[] {
  const attributed = d.submissions.filter((s) => s.school !== null);
  const schools = new Set(attributed.map((s) => s.school)).size;
  let overdue = 0;
  let flawed = 0;
  const behind = new Set<string>();
  for (const row of d.matrix.rows) {
    row.cells.forEach((status, i) => {
      const due = d.matrix.columns[i]!.dueAt <= d.now;
      if (status === "missing" && due) {
        overdue++;
        behind.add(row.school);
      }
      if (status === "invalid") flawed++;
    });
  }
  const items = [
    `${formatDay(d.day)}收到${schools}所学校的${attributed.length}份材料。`,
    `已过截止时间仍未收到：${overdue}项，涉及${behind.size}所学校。`,
    `收到但有错误需修改：${flawed}项。`,
    `情况统计表：已收到${d.statsTotals.reporting}所学校（共${d.matrix.rows.length}所）。`,
  ];
  const unattributed = d.submissions.length - attributed.length;
  if (unattributed) items.push(`另有${unattributed}份材料无法确认来自哪所学校，请在管理后台处理${d.consoleUrl ? `：${d.consoleUrl}/pending` : "。"}`);
  if (d.consoleUrl) items.push(`管理后台（各校材料、下载与处理）：${d.consoleUrl}`);
  return [
    { kind: "h", text: "概况" },
    { kind: "list", items },
  ];
}

function matrixSection(m: StatusMatrix, now: Date, attachmentName: string | undefined): MailBlock[] {
  const groups: HeaderCell[] = [];
  const labels: HeaderCell[] = [];
  const twoRows = m.columns.some((c) => c.group);
  m.columns.forEach((c, i) => {
    if (!twoRows || !c.group) {
      groups.push({ text: c.label, rowspan: twoRows ? 2 : 1 });
    } else {
      labels.push({ text: c.label });
      if (m.columns[i - 1]?.group !== c.group) groups.push({ text: c.group, colspan: m.columns.filter((x) => x.group === c.group).length });
    }
  });
  const header = twoRows ? [[{ text: "学校", rowspan: 2 }, ...groups], labels] : [[{ text: "学校" }, ...groups]];
  const { listed, note } = schoolsToList(m, now, attachmentName);
  const rows = listed.map((r) => [r.school, ...r.cells.map((s, i) => statusLabel(s, m.columns[i]!.dueAt, now))]);
  const text = listed.map((r) => `${r.school}：${matrixTextLine(m, r.cells, now)}`);
  return [
    { kind: "h", text: "报送情况" },
    ...(note ? [{ kind: "note", text: note } as const] : []),
    { kind: "table", header, rows, text },
    { kind: "note", text: statusLegend },
  ];
}

/** Every school while the roster fits a mail; otherwise those with overdue or flawed items, in roster order. */
function schoolsToList(m: StatusMatrix, now: Date, attachmentName: string | undefined): { listed: StatusMatrix["rows"]; note?: string } {
  if (m.rows.length <= MAX_LISTED_SCHOOLS) return { listed: m.rows };
  const needsAttention = m.rows.filter((r) => r.cells.some((s, i) => s === "invalid" || (s === "missing" && m.columns[i]!.dueAt <= now)));
  const listed = needsAttention.slice(0, MAX_LISTED_SCHOOLS);
  const where = attachmentName ? `附件《${attachmentName}》` : "管理后台";
  const rest = needsAttention.length - listed.length;
  return {
    listed,
    note:
      `名册共${m.rows.length}所学校，邮件中只列出有逾期未交或需修改材料的${listed.length}所` +
      `${rest > 0 ? `（另有${rest}所同样需要关注）` : ""}；全部学校的情况见${where}。`,
  };
}

/** A school's row in plain text: single items one by one, a daily requirement as a count. */
function matrixTextLine(m: StatusMatrix, cells: StatusMatrix["rows"][number]["cells"], now: Date): string {
  const parts: string[] = [];
  const daily = new Map<string, { sent: number; missed: string[] }>();
  m.columns.forEach((c, i) => {
    const status = cells[i]!;
    if (!c.group) {
      parts.push(`${c.label} ${statusLabel(status, c.dueAt, now)}`);
      return;
    }
    const g = daily.get(c.group) ?? { sent: 0, missed: [] };
    if (status === "on_time" || status === "late") g.sent++;
    else if (c.dueAt <= now) g.missed.push(c.label);
    daily.set(c.group, g);
  });
  for (const [group, g] of daily) {
    parts.push(`${group} 已报${g.sent}天${g.missed.length ? `，未报：${g.missed.join("、")}` : ""}`);
  }
  return parts.join("；");
}

function submissionsSection(d: DigestInput): MailBlock[] {
  const title = `${formatDay(d.day)}收到的材料（共${d.submissions.length}份）`;
  if (d.submissions.length === 0)
    return [
      { kind: "h", text: title },
      { kind: "p", text: "当天没有收到新的材料。" },
    ];
  const listed = [...d.submissions].sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime()).slice(0, MAX_LISTED_SUBMISSIONS);
  const rows = listed.map((s) => [
    formatCampaignTime(s.receivedAt, d.timeZone).split(" ")[1] ?? "",
    s.school ?? "（未能确认学校）",
    s.filename,
    kindLabels[s.kind],
  ]);
  const blocks: MailBlock[] = [
    { kind: "h", text: title },
    { kind: "table", header: [["时间", "学校", "文件", "识别为"].map((text) => ({ text }))], rows, text: rows.map((r) => r.join("  ")) },
  ];
  const rest = d.submissions.length - listed.length;
  if (rest > 0) blocks.push({ kind: "note", text: `另有${rest}份未在邮件中列出，详见附件。` });
  return blocks;
}

function statsSection(d: DigestInput): MailBlock[] {
  const t = d.statsTotals;
  if (t.reporting === 0)
    return [
      { kind: "h", text: "情况统计表合计" },
      { kind: "p", text: "尚未收到任何学校的情况统计表。" },
    ];
  const figures: [string, string][] = [
    ["参与活动的教师数", `${t.teachers}人`],
    ["参与活动的学生数", `${t.students}人`],
    ["学生参与覆盖率", t.student_coverage_pct === null ? "—" : `${t.student_coverage_pct}%`],
    ["参与活动的企业数", `${t.enterprises}个`],
    ["参与总人数", `${t.total_participants}人`],
    ["观摩体验活动项目数", `${t.activity_items}个`],
    ["活动周媒体报道数", `${t.media_reports_total}篇`],
    ...d.mediaLevels.map((l): [string, string] => [`其中${l}媒体报道数`, `${t.media_reports_by_level[l] ?? 0}篇`]),
  ];
  return [
    { kind: "h", text: `情况统计表合计（${t.reporting}所学校）` },
    { kind: "table", header: [figures.map(([label]) => ({ text: label }))], rows: [figures.map(([, v]) => v)], text: figures.map(([l, v]) => `${l}：${v}`) },
    { kind: "note", text: "合计覆盖率按各校学生数与覆盖率推算的在校生总数计算。" },
  ];
}

function findingsSection(counts: readonly OpenFindingsCount[], attachmentName: string | undefined): MailBlock[] {
  const open = counts.filter((c) => c.errors + c.warnings > 0);
  if (open.length === 0) return [];
  const listed = open.slice(0, MAX_LISTED_SCHOOLS);
  const blocks: MailBlock[] = [
    { kind: "h", text: "尚待处理的问题" },
    {
      kind: "list",
      items: listed.map((c) => `${c.school}：错误${c.errors}项，提醒${c.warnings}项`),
    },
  ];
  const rest = open.length - listed.length;
  if (rest > 0)
    blocks.push({ kind: "note", text: `另有${rest}所学校有待处理的问题未在邮件中列出，详见${attachmentName ? `附件《${attachmentName}》` : "管理后台"}。` });
  return blocks;
}

function linksSection(d: DigestInput): MailBlock[] {
  const horizon = d.now.getTime() + (d.expiringWithinDays ?? 7) * 86_400_000;
  const soon = d.largeAttachments
    .filter((l) => l.expiresAt > d.now && l.expiresAt.getTime() <= horizon)
    .sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime());
  if (soon.length === 0) return [];
  return [
    { kind: "h", text: "即将过期的QQ超大附件" },
    { kind: "warn", text: "以下文件只存放在QQ邮箱中转站，过期后无法下载，请尽快下载保存：" },
    {
      kind: "links",
      items: soon.map((l) => ({
        before: `${l.school ?? "（未能确认学校）"}：${l.filename}`,
        url: l.url,
        after: `（${formatCampaignTime(l.expiresAt, d.timeZone)}过期）`,
      })),
    },
  ];
}
