import { finding, type Finding } from "../finding.ts";
import { isReporterRow, readReporter, type Reporter } from "./label-value.ts";
import { cellText, cellValue, columnCount, displayLabel, isNoteText, normalizeLabel, rowCount, type Sheet } from "./sheet.ts";
import { parseHeldOn } from "./held-on.ts";
import { countChars, readCount, textOrNull } from "./values.ts";

/** One featured activity of a 特色亮点活动一览表 (SPEC §4). */
export interface FeaturedActivity {
  seq: number | null;
  organizer: string | null;
  /** As written; dates read from Excel arrive as YYYY-MM-DD. */
  held_on: string | null;
  /** The one day `held_on` names (YYYY-MM-DD, the campaign's year unless written), null when it names none. */
  held_on_date: string | null;
  place: string | null;
  name: string | null;
  intro: string | null;
  outcome: string | null;
}
type FeaturedField = keyof FeaturedActivity;

export interface FeaturedListRow {
  /** 0-based row in the sheet (Excel row number minus one). */
  row: number;
  fields: FeaturedActivity;
  findings: Finding[];
}

export interface FeaturedListReading {
  rows: FeaturedListRow[];
  /** Every finding: about the sheet, then each row's. */
  findings: Finding[];
  /** 填表单位 / 联系人 / 电话 from the title rows. */
  reporter: Reporter;
}

export interface FeaturedListOptions {
  /** rules.intro_max: 特色活动简介, 300 characters in Nanchang 2022. */
  introMax: number;
  /** The campaign's year, for dates written without one (5月16日). */
  year: number;
}

/** Header labels, tried in this order: 特色活动名称 and 简介 both say 特色活动. */
const headerRules: readonly [FeaturedField, RegExp][] = [
  ["seq", /^(序号|编号)$/u],
  ["intro", /简介|内容/u],
  ["name", /名称/u],
  ["organizer", /举办单位|主办单位|承办单位|单位/u],
  ["held_on", /时间|日期/u],
  ["place", /地点|地址/u],
  ["outcome", /成效|效果/u],
];

const words: Record<Exclude<FeaturedField, "seq" | "held_on_date">, string> = {
  organizer: "举办单位",
  held_on: "时间",
  place: "地点",
  name: "特色活动名称",
  intro: "特色活动简介",
  outcome: "活动成效",
};
const headerSearchRows = 30;

/** Reads every filled row of a 特色亮点活动一览表; the template's empty numbered rows are skipped. */
export function readFeaturedList(sheet: Sheet, options: FeaturedListOptions): FeaturedListReading {
  const header = findHeader(sheet);
  const reporter = readReporter(sheet, { fromRow: 0, toRow: header?.row ?? Math.min(rowCount(sheet), headerSearchRows) });
  if (!header) {
    const message = "没有在表格中找到一览表的表头（序号、举办单位、时间、地点、特色活动名称等）。请使用通知所附的《特色亮点活动一览表》模板填写后重新发送。";
    return { rows: [], findings: [finding("error", "featured.no_header", message)], reporter };
  }
  const rows: FeaturedListRow[] = [];
  for (let r = header.bottom + 1; r < rowCount(sheet); r++) {
    const first = firstText(sheet, r);
    if (first !== "" && isNoteText(first)) break;
    if (isReporterRow(sheet, r)) continue;
    const fields = readActivity(sheet, r, header.columns, options.year);
    const filled = (Object.keys(words) as (keyof typeof words)[]).some((f) => fields[f] !== null);
    if (filled) rows.push({ row: r, fields, findings: checkActivity(fields, options, header.labels) });
  }
  for (const row of rows) {
    const prefix = `第${row.row + 1}行（${row.fields.name ?? `序号${row.fields.seq ?? "未填"}`}）：`;
    row.findings = row.findings.map((f) => ({ ...f, message: prefix + f.message }));
  }
  const sheetFindings =
    rows.length === 0
      ? [finding("error", "featured.no_rows", "一览表中没有填写任何特色活动。请在表头下方逐行填写每项活动的举办单位、时间、地点、名称、简介和成效后重新发送。")]
      : [];
  return { rows, findings: [...sheetFindings, ...rows.flatMap((r) => r.findings)], reporter };
}

interface Header {
  row: number;
  bottom: number;
  columns: Partial<Record<FeaturedField, number>>;
  labels: Partial<Record<FeaturedField, string>>;
}

function findHeader(sheet: Sheet): Header | null {
  for (let r = 0; r < Math.min(rowCount(sheet), headerSearchRows); r++) {
    const columns: Partial<Record<FeaturedField, number>> = {};
    const labels: Partial<Record<FeaturedField, string>> = {};
    let bottom = r;
    for (let c = 0; c < columnCount(sheet); c++) {
      const text = cellText(sheet, r, c);
      if (!text || text.length > 40) continue;
      const rule = headerRules.find(([, pattern]) => pattern.test(normalizeLabel(text)));
      if (!rule || columns[rule[0]] !== undefined) continue;
      columns[rule[0]] = c;
      labels[rule[0]] = displayLabel(text);
      if (text === cellText(sheet, r + 1, c)) bottom = r + 1;
    }
    if (Object.keys(columns).length >= 4 && columns.name !== undefined) return { row: r, bottom, columns, labels };
  }
  return null;
}

function firstText(sheet: Sheet, row: number): string {
  for (let c = 0; c < columnCount(sheet); c++) {
    const text = cellText(sheet, row, c);
    if (text) return text;
  }
  return "";
}

function readActivity(sheet: Sheet, row: number, columns: Header["columns"], year: number): FeaturedActivity {
  const text = (f: FeaturedField) => (columns[f] === undefined ? null : textOrNull(cellValue(sheet, row, columns[f])));
  const seq = columns.seq === undefined ? null : readCount(cellValue(sheet, row, columns.seq));
  return {
    seq: seq?.status === "ok" ? seq.value : null,
    organizer: text("organizer"),
    held_on: text("held_on"),
    held_on_date: parseHeldOn(text("held_on"), year),
    place: text("place"),
    name: text("name"),
    intro: text("intro"),
    outcome: text("outcome"),
  };
}

function checkActivity(fields: FeaturedActivity, options: FeaturedListOptions, labels: Header["labels"]): Finding[] {
  const findings: Finding[] = [];
  for (const field of Object.keys(words) as (keyof typeof words)[]) {
    if (fields[field] !== null) continue;
    const severity = field === "name" ? "error" : "warning";
    findings.push(finding(severity, "featured.missing_field", `未填写‘${labels[field] ?? words[field]}’。请补充后重新发送。`, field));
  }
  if (fields.intro !== null && countChars(fields.intro) > options.introMax) {
    const n = countChars(fields.intro);
    const label = labels.intro ?? words.intro;
    findings.push(
      finding(
        "error",
        "featured.intro_too_long",
        `‘${label}’共 ${n} 字，超过了 ${options.introMax} 字的限制。请精简到 ${options.introMax} 字以内后重新发送。`,
        "intro",
      ),
    );
  }
  return findings;
}
