import type { DocumentKind } from "../campaign.ts";
import { finding, type Finding } from "../finding.ts";
import type { DocText } from "./doc-text.ts";

export type ReportKind = "summary_report" | "law_summary" | "daily_report";

export const reportKinds: readonly ReportKind[] = ["summary_report", "law_summary", "daily_report"];

export function isReportKind(kind: DocumentKind): kind is ReportKind {
  return (reportKinds as readonly string[]).includes(kind);
}

/** The campaign requirement's rules that concern a report (SPEC §4, §7). */
export interface ReportRules {
  sections?: readonly string[];
  min_images?: number;
  max_chars?: number;
}

/** What is kept of a report (the `reports` table). */
export interface ReportSummary {
  title: string | null;
  charCount: number;
  imageCount: number;
  missingSections: string[];
}

export interface ReportReading extends ReportSummary {
  findings: Finding[];
}

/** How a report is named in a clerk's message. */
const reportLabels: Record<ReportKind, string> = {
  summary_report: "工作总结报告",
  law_summary: "职业教育法宣传活动情况总结",
  daily_report: "稿件",
};

const TITLE_MAX = 60;

/**
 * Counts what a clerk would call 字: Chinese characters, letters and digits; never
 * whitespace or punctuation.
 */
export function countChars(text: string): number {
  return text.match(/[\p{L}\p{N}]/gu)?.length ?? 0;
}

/**
 * Reads a report against its requirement: title, length, pictures and the sections the
 * campaign asks for, with a finding (in Chinese, saying how to fix it) for each shortfall.
 */
export function readReport(doc: DocText, kind: ReportKind, rules: ReportRules): ReportReading {
  const texts = doc.paragraphs.map((p) => p.text.trim());
  // A bare “附件1” label above the title is not the title.
  const first = texts.find((t) => t !== "" && !/^附件\s*\d*[:：]?$/u.test(t));
  const title = first === undefined ? null : first.replace(/\s+/gu, " ").slice(0, TITLE_MAX);
  const charCount = texts.reduce((n, t) => n + countChars(t), 0);
  const missingSections = (rules.sections ?? []).filter((s) => !hasSection(doc, s));
  const label = reportLabels[kind];
  const findings: Finding[] = [];

  if (charCount === 0) {
    findings.push(finding("error", "report.empty", `${label}中没有读到文字内容。请确认文件内容为文字（不是图片扫描件）后重新发送。`, "text"));
  }
  if (missingSections.length > 0) {
    findings.push(finding("error", "report.missing_sections", `${label}缺少以下部分：${missingSections.join("、")}。请按通知要求补充后重新发送。`, "sections"));
  }
  if (rules.min_images !== undefined && doc.imageCount < rules.min_images) {
    findings.push(
      finding(
        "error",
        "report.too_few_images",
        `${label}中有 ${doc.imageCount} 张图片，通知要求至少 ${rules.min_images} 张。请在文中插入活动照片后重新发送。`,
        "images",
      ),
    );
  }
  if (rules.max_chars !== undefined && charCount > rules.max_chars) {
    findings.push(
      finding(
        "error",
        "report.too_long",
        `${label}共 ${charCount} 字，超过 ${rules.max_chars} 字的要求。请精简到 ${rules.max_chars} 字以内后重新发送。`,
        "text",
      ),
    );
  }
  return { title, charCount, imageCount: doc.imageCount, missingSections, findings };
}

/** Leading numbering: 一、 （二） (3) 1. 1、 第一部分 第二, and list bullets. */
const numbering = /^(?:第[一二三四五六七八九十\d]+[部分章节条点]?|[（(]?[一二三四五六七八九十]+[)）]?|[（(]?\d+[)）]?|[·•●■◆※-])[、.．:：\s]*/u;

/**
 * Compares headings loosely: no numbering, whitespace or punctuation, no 的, and 及/与/和 as one.
 * “一、基本情况”, “（三）取得成效” and “存在的问题与建议” all match the campaign's wording.
 */
export function normalizeHeading(text: string): string {
  return text
    .trim()
    .replace(numbering, "")
    .replace(/[\s\p{P}\p{S}]/gu, "")
    .replace(/的/gu, "")
    .replace(/[及与和、]/gu, "和");
}

/** The heading-like part of each paragraph: a whole heading, or a numbered lead-in up to its first stop. */
function headingCandidates(doc: DocText): string[] {
  const out: string[] = [];
  for (const p of doc.paragraphs) {
    const t = p.text.trim();
    if (t === "") continue;
    if (p.heading || t.length <= 30) out.push(normalizeHeading(t));
    else if (numbering.test(t)) out.push(normalizeHeading(t.split(/[。：:；;！!？?]/u)[0]!.slice(0, 30)));
  }
  return out.filter((c) => c !== "");
}

function hasSection(doc: DocText, section: string): boolean {
  const wanted = normalizeHeading(section);
  if (wanted === "") return true;
  return headingCandidates(doc).some(
    // A heading may add words (“活动周基本情况”) or shorten the campaign's (“主要做法” for 主要做法和措施).
    (c) => c.includes(wanted) || (c.length >= 4 && c.length * 2 >= wanted.length && wanted.startsWith(c)),
  );
}

/**
 * Where a report says what it is: its title lines first (the first two paragraphs past a
 * “附件1” label, when short and not a sentence), then its headings.
 */
function leadingTexts(doc: DocText): { titles: string[]; headings: string[] } {
  const lines = doc.paragraphs.map((p) => ({ ...p, text: p.text.replace(/\s+/gu, "") })).filter((p) => p.text !== "");
  const titles = lines
    .filter((p) => !/^附件\d*[:：]?$/u.test(p.text))
    .slice(0, 2)
    .filter((p) => p.text.length <= 60 && !/[。；;]$/u.test(p.text));
  return { titles: titles.map((p) => p.text), headings: lines.filter((p) => p.heading && !titles.includes(p)).map((p) => p.text) };
}

/** A title that calls itself a news draft is one, whatever law it reports on. */
const newsTitle = /新闻稿|简讯|快讯|通讯稿|新闻通稿|活动报道/u;

const contentRules: readonly [RegExp, DocumentKind][] = [
  // 职业教育法 first: “职业教育法宣传活动工作总结” is the law summary, not the week's summary. A
  // title that merely mentions the law (“我校师生学习新职业教育法”) is news of the day, not the summary.
  [/(职业教育法|法宣传|学法).*(?:总结|情况)/u, "law_summary"],
  [/工作总结|总结报告/u, "summary_report"],
  [/工作方案|实施方案|活动方案/u, "plan"],
];

/**
 * What a document says it is, from its title and headings (SPEC §2: content before name), so a
 * misnamed 附件1.docx lands right. Null when the text says nothing (the name decides then).
 * A title line saying 新闻稿/简讯 makes it the day's report before any other rule. The law
 * summary is known by its own title only: a news draft's heading may well quote the law.
 * Tables of featured activities (一览表) are read as sheets elsewhere.
 */
export function classifyReport(doc: DocText): { kind: DocumentKind; reason: string } | null {
  const { titles, headings } = leadingTexts(doc);
  for (const t of titles) {
    const hit = newsTitle.exec(t)?.[0];
    if (hit) return { kind: "daily_report", reason: `doc_title:${hit}` };
  }
  for (const [t, fromTitle] of [...titles.map((x) => [x, true] as const), ...headings.map((x) => [x, false] as const)]) {
    for (const [pattern, kind] of contentRules) {
      if (kind === "law_summary" && !fromTitle) continue;
      const m = pattern.exec(t);
      const hit = m?.[1] ?? m?.[0];
      if (hit) return { kind, reason: `doc_title:${hit}` };
    }
  }
  return null;
}
