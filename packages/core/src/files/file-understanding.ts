import type { Campaign, DocumentKind } from "../campaign.ts";
import type { Classification } from "./classification.ts";
import type { Finding } from "../finding.ts";
import { namedAsReadable, unreadableFinding } from "./unreadable-file.ts";
import { detectFormKind } from "../forms/detect-form.ts";
import { formTablesOf } from "../forms/document-tables.ts";
import { readFeaturedList, type FeaturedActivity } from "../forms/featured-list.ts";
import { readInfoForm, type InfoFields } from "../forms/info-form.ts";
import type { Sheet } from "../forms/sheet.ts";
import { readStatsForm, type StatsFields } from "../forms/stats-form.ts";
import { plausibleMedia, type MediaFacts, type PdfFacts } from "./media-facts.ts";
import type { DocText } from "../reports/doc-text.ts";
import { classifyReport, isReportKind, readReport, type ReportSummary } from "../reports/report-reading.ts";

/** What the adapters could get out of a file's bytes; absent when the format is not read yet. */
export interface FileContent {
  sheets?: readonly Sheet[];
  /** The text of a word-processing document (.docx, .doc, .wps) or of a PDF's text layer. */
  doc?: DocText;
  /** A PDF: its pages, and whether it has text (a scan has none). */
  pdf?: PdfFacts;
  /** A photo's or video's own facts: size, date taken, duration. */
  media?: MediaFacts;
  /** The file could not be read: why, for the admin (not shown to the clerk). */
  unreadable?: { code: string; detail: string };
}

export type ParseStatus = "parsed" | "invalid" | "unreadable" | "kept";

export interface FileUnderstanding {
  kind: DocumentKind;
  classifiedBy: string;
  parseStatus: ParseStatus;
  findings: Finding[];
  infoForm?: InfoFields;
  /** One per school row (a district bureau's form lists several). */
  statsRows?: StatsFields[];
  featured?: FeaturedActivity[];
  /** What was read from a report document (summary, law summary, daily report). */
  report?: ReportSummary;
  media?: MediaFacts;
  pdf?: PdfFacts;
  /** For a stamped scan: the position of the form (read from a sheet) it is the signed copy of. */
  signedCopyOf?: number;
  /** Unit names the form names: for attribution by form (SPEC §3). */
  unitNames: string[];
}

/** SPEC §4 limits when a campaign leaves a rule unset. */
const defaults = { planTextMax: 300, featuredTextMax: 300, introMax: 300 };

/**
 * Content first (SPEC §2): a sheet whose header is a form's is that form, whatever the file
 * is called; then the form is read and checked with the campaign's rules.
 */
export function understandFile(
  byName: Classification,
  filename: string,
  content: FileContent,
  campaign: Campaign,
  bySubject: Classification | null = null,
  /** The subject or file name dates it to a day of the campaign week (a day's news, not the week's summary). */
  datedInWeek = false,
): FileUnderstanding {
  const base = { ...byName, findings: [] as Finding[], unitNames: [] as string[] };
  // A file named as a form or report whose bytes gave nothing (cut short, damaged, renamed) is
  // still what its name says: unreadable, so the 回执 asks for it again (SPEC §8).
  const unreadable =
    content.unreadable ??
    (nothingRead(content) && namedAsReadable(filename) ? { code: "NOT_AS_NAMED", detail: "the bytes are not the format the name says" } : null);
  if (unreadable) return { ...base, parseStatus: "unreadable", findings: [unreadableFinding(filename, unreadable.code)] };
  if (content.media) return { ...base, media: plausibleMedia(content.media), parseStatus: "parsed" };
  for (const sheet of content.sheets ?? formTablesOf(content.doc, byName.kind)) {
    const detected = detectFormKind(sheet);
    if (!detected) continue;
    const rules = (kind: DocumentKind) => campaign.requirements.find((r) => r.kind === kind)?.rules ?? {};
    const classifiedBy = `content:${detected.reason}`;
    if (detected.kind === "stats_form") {
      const reading = readStatsForm(sheet, { mediaLevels: rules("stats_form").media_levels ?? [] });
      const rows = reading.rows.length ? reading.rows.map((r) => r.fields) : reading.fields ? [reading.fields] : [];
      return done({ ...base, kind: "stats_form", classifiedBy, statsRows: rows }, reading.findings, [reading.reporter.unit, ...rows.map((r) => r.unit_name)]);
    }
    if (detected.kind === "info_form") {
      const r = rules("info_form");
      const reading = readInfoForm(sheet, {
        planTextMax: r.plan_text_max ?? defaults.planTextMax,
        featuredTextMax: r.featured_text_max ?? defaults.featuredTextMax,
      });
      return done({ ...base, kind: "info_form", classifiedBy, infoForm: reading.fields }, reading.findings, [reading.fields.unit_name]);
    }
    const year = Number(campaign.period.start.slice(0, 4));
    const reading = readFeaturedList(sheet, { introMax: rules("featured_list").intro_max ?? defaults.introMax, year });
    return done({ ...base, kind: "featured_list", classifiedBy, featured: reading.rows.map((r) => r.fields) }, reading.findings, [
      reading.reporter.unit,
      ...reading.rows.map((r) => r.fields.organizer),
    ]);
  }
  if (content.doc) return { ...understandDoc(base, content.doc, campaign, bySubject, datedInWeek), ...(content.pdf && { pdf: content.pdf }) };
  // A PDF without a text layer is a scan: kept as it is; the mail decides whether it is a form's signed copy.
  if (content.pdf) return { ...base, pdf: content.pdf, parseStatus: "kept" };
  return { ...base, parseStatus: content.sheets ? "parsed" : "kept" };
}

function nothingRead(c: FileContent): boolean {
  return !c.sheets && !c.doc && !c.pdf && !c.media;
}

/**
 * A document's own title outranks its file name, and its name the mail's subject or body
 * (SPEC §2): “启动仪式.docx” sent as “盘龙职中5月15日新闻稿” is that day's news draft.
 * A report is then checked against its requirement.
 */
function understandDoc(
  base: Classification & { findings: Finding[]; unitNames: string[] },
  doc: DocText,
  campaign: Campaign,
  bySubject: Classification | null,
  datedInWeek: boolean,
): FileUnderstanding {
  const byContent = classifyReport(doc);
  // “5月17日新闻稿” about a 职业教育法 activity is that day's news: the law summary comes once, after the week.
  const namedNews = [base, bySubject].find((c) => c?.kind === "daily_report");
  const classified =
    byContent?.kind === "law_summary" && datedInWeek && namedNews
      ? { kind: namedNews.kind, classifiedBy: `${namedNews.classifiedBy}+dated_in_week` }
      : byContent
        ? { kind: byContent.kind, classifiedBy: `content:${byContent.reason}` }
        : base.kind === "other" && bySubject
          ? bySubject
          : { kind: base.kind, classifiedBy: base.classifiedBy };
  if (!isReportKind(classified.kind)) return { ...base, ...classified, parseStatus: "parsed" };
  const rules = campaign.requirements.find((r) => r.kind === classified.kind)?.rules ?? {};
  const { findings, ...report } = readReport(doc, classified.kind, rules);
  return done({ ...base, ...classified, report }, findings, []);
}

function done(
  u: Omit<FileUnderstanding, "parseStatus" | "findings" | "unitNames"> & { findings: Finding[]; unitNames: string[] },
  found: Finding[],
  units: (string | null)[],
): FileUnderstanding {
  return {
    ...u,
    findings: found,
    parseStatus: found.some((f) => f.severity === "error") ? "invalid" : "parsed",
    unitNames: units.filter((n): n is string => Boolean(n?.trim())),
  };
}
