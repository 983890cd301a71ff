import { finding, type Finding } from "../finding.ts";
import { stampHint, valueBelow, valueRightOf, type LabelHit } from "./label-value.ts";
import { cellText, columnCount, displayLabel, findLabelCells, isRegionStart, normalizeLabel, rowCount, type Sheet } from "./sheet.ts";
import { countChars } from "./values.ts";

/** The fields of a 信息采集表 (SPEC §4), as written; null where left empty. */
export interface InfoFields {
  unit_name: string | null;
  contact_name: string | null;
  contact_title: string | null;
  /** 11 digits when valid; as written otherwise (a finding says what is wrong). */
  mobile: string | null;
  /** Digits when valid; as written otherwise. */
  qq: string | null;
  website_url: string | null;
  plan_text: string | null;
  featured_text: string | null;
  /** 填报人 and 联系电话: only some years' forms have them (Sichuan 2023). */
  filler_name: string | null;
  filler_phone: string | null;
}
export type InfoField = keyof InfoFields;

export interface InfoFormReading {
  fields: InfoFields;
  findings: Finding[];
}

export interface InfoFormOptions {
  /** rules.plan_text_max: 活动周初步考虑/工作计划, 300 in both seeds. */
  planTextMax: number;
  /** rules.featured_text_max: 特色活动简介, 200 (Rongchang 2022) or 300 (Sichuan 2023). */
  featuredTextMax: number;
}

type LabelField = InfoField | "reporter_unit" | "reporter_date";

/**
 * Labels by field, matched whole on normalised text, most specific first: 联系电话（手机）is the
 * mobile, 联系电话 alone the filler's phone. Clerks reword the template (学校名称 for 中职学校,
 * 联系人手机, ＱＱ号码); the Sichuan PDF's OCR reads QQ号 as 00号.
 */
const fieldRules: readonly [LabelField, RegExp][] = [
  ["reporter_unit", /^(填报|填表)单位(\(盖章\))?$/u],
  ["reporter_date", /^(填报|填表)?(日期|时间)$/u],
  ["filler_name", /^(填报|填表)人(姓名)?$/u],
  ["mobile", /^(联系人)?(手机|手机号码?|联系手机|移动电话)(号码?)?$|^(联系电话|联系方式|电话)\(手机(号码?)?\)$|^手机\((联系)?电话\)$/u],
  ["filler_phone", /^(联系|填报人)?电话$|^联系方式$/u],
  ["contact_name", /^(联系人|联络员)(姓名)?$/u],
  ["contact_title", /^(联系人)?(职务|职称|职务\/职称)$/u],
  ["qq", /^(联系人)?([Qq]{2}|00|[Oo]{2})(号码?)?$/u],
  ["website_url", /^(活动周)?(专题网站|专栏|网站|网址|专题网页)|(链接地址|网址|链接)$/u],
  ["plan_text", /^(活动周)?(初步考虑|工作计划|活动计划|初步计划|工作安排|活动安排)/u],
  ["featured_text", /^(特色活动简介|特色活动|特色亮点活动简介|特色亮点活动)/u],
  ["unit_name", /^(中职学校|学校|单位|职业学校|学校全称|中职学校名称|(学校|单位)(\((单位|学校)\))?名称|市\(州\)\/职业.*学校.*|区县\/高职院校.*)$/u],
];
/** Longer texts are values: a label is a few words, perhaps with a hint in brackets. */
const LABEL_MAX = 30;

/** The field a label names, or null when the text is not one of the form's labels. */
export function infoFieldOf(text: string): LabelField | null {
  const label = normalizeLabel(text);
  const bare = label.replace(/(\([^()]*\))+$/u, "");
  if (bare.length > LABEL_MAX || bare === "") return null;
  for (const candidate of label === bare ? [label] : [label, bare]) {
    const rule = fieldRules.find(([, pattern]) => pattern.test(candidate));
    if (rule) return rule[0];
  }
  return null;
}

const names: Record<InfoField, { name: string; what: string }> = {
  unit_name: { name: "单位名称", what: "学校或单位的全称" },
  contact_name: { name: "联系人", what: "联系人姓名" },
  contact_title: { name: "职务", what: "联系人的职务" },
  mobile: { name: "手机", what: "联系人的手机号码" },
  qq: { name: "QQ号", what: "联系人的QQ号码" },
  website_url: { name: "专题网站（专栏）链接地址", what: "活动周专题网站或专栏的网址" },
  plan_text: { name: "活动周初步考虑", what: "活动周的初步计划（举办时间、活动形式和内容等）" },
  featured_text: { name: "特色活动简介", what: "特色活动的简介" },
  filler_name: { name: "填报人", what: "填报人姓名" },
  filler_phone: { name: "联系电话", what: "联系电话" },
};

const errorIfMissing: readonly InfoField[] = ["unit_name", "contact_name", "mobile", "plan_text"];
const warnIfMissing: readonly InfoField[] = ["contact_title", "qq", "website_url", "featured_text"];
const infoSearchRows = 60;
/** Nothing written: 无, 暂无, a dash. */
const placeholder = /^(无|暂无|没有|\/|-+|—+|－)$/u;
/** The template's hint beside 活动周初步考虑 and 特色活动简介, often left in place. */
const hint = /^主要包含/u;

function isInfoLabel(text: string): boolean {
  return infoFieldOf(text.split(/[:：]/u)[0] ?? text) !== null;
}

interface InfoLabel {
  field: LabelField;
  hit: LabelHit;
  /** In a row of labels (the template's header): its value is the cell below, never one beside it. */
  inHeaderRow: boolean;
}

/** Every label cell of the form, first by row then column; "联系人：张三" carries its value inline. */
function infoLabels(sheet: Sheet): InfoLabel[] {
  const cells = findLabelCells(sheet, /.+/u, { toRow: infoSearchRows, maxLength: 120 });
  const found: { field: LabelField; hit: LabelHit }[] = [];
  for (const cell of cells) {
    const colon = cell.text.search(/[:：]/u);
    const field = infoFieldOf(colon >= 0 ? cell.text.slice(0, colon) : cell.text);
    if (!field) continue;
    const after =
      colon >= 0
        ? cell.text
            .slice(colon + 1)
            .replace(stampHint, "")
            .trim()
        : "";
    found.push({ field, hit: { cell, inline: after === "" ? null : after } });
  }
  const headerRows = new Set<number>();
  for (const row of new Set(found.map((f) => f.hit.cell.row))) {
    const labels = found.filter((f) => f.hit.cell.row === row && f.hit.inline === null).length;
    let others = 0;
    for (let c = 0; c < columnCount(sheet); c++) {
      const text = isRegionStart(sheet, row, c) ? cellText(sheet, row, c) : "";
      if (text && !isInfoLabel(text)) others++;
    }
    if (labels >= 3 && others * 2 < labels) headerRows.add(row);
  }
  return found.map((f) => ({ ...f, inHeaderRow: headerRows.has(f.hit.cell.row) }));
}

/** Reads a 信息采集表: labels above their values (the contact row) or left of them (the texts). */
export function readInfoForm(sheet: Sheet, options: InfoFormOptions): InfoFormReading {
  const found: Partial<Record<InfoField, string>> = {};
  const shownLabels: Partial<Record<InfoField, string>> = {};
  const labels = infoLabels(sheet);
  for (const field of Object.keys(names) as InfoField[]) {
    const label = labels.find((l) => l.field === field);
    if (!label) continue;
    const { hit } = label;
    shownLabels[field] = displayLabel(hit.cell.text.split(/[:：]/u)[0] ?? hit.cell.text);
    const value =
      label.inHeaderRow && !hit.inline
        ? valueUnder(sheet, hit)
        : field === "plan_text" || field === "featured_text"
          ? longTextOf(sheet, hit)
          : labelValue(sheet, hit);
    if (value !== null && !placeholder.test(value.replace(/\s+/gu, ""))) found[field] = value;
  }
  if (Object.keys(shownLabels).length < 3) {
    const message = "没有在表格中找到信息采集表的栏目（如‘联系人’‘手机’）。请使用通知所附的《信息采集表》模板填写后重新发送。";
    return { fields: emptyFields(), findings: [finding("error", "info.no_labels", message)] };
  }
  const reporterUnit = labels.find((l) => l.field === "reporter_unit");
  found.unit_name ??= reporterUnit ? (labelValue(sheet, reporterUnit.hit) ?? undefined) : undefined;
  return checkInfo(found, shownLabels, options);
}

/** A header cell's value: the cell under it, unless that is a label too (a header cell is never a value). */
function valueUnder(sheet: Sheet, hit: LabelHit): string | null {
  return valueBelow(sheet, hit.cell.range, isInfoLabel)?.text ?? null;
}

function emptyFields(): InfoFields {
  return Object.fromEntries(Object.keys(names).map((k) => [k, null])) as unknown as InfoFields;
}

/** A short value: after a colon in the label's cell, right of the label, or below it. */
function labelValue(sheet: Sheet, hit: LabelHit): string | null {
  return hit.inline ?? valueRightOf(sheet, hit.cell.range, isInfoLabel)?.text ?? valueBelow(sheet, hit.cell.range, isInfoLabel)?.text ?? null;
}

/**
 * A long text beside its label. The template's hint (主要包含…) may still sit in the value
 * cell: the text is then what follows the hint, or the cell under the hint while still
 * beside the (vertically merged) label, as in the Sichuan form.
 */
function longTextOf(sheet: Sheet, hit: LabelHit): string | null {
  if (hit.inline) return hit.inline;
  const right = valueRightOf(sheet, hit.cell.range, isInfoLabel);
  if (!right) return valueBelow(sheet, hit.cell.range, isInfoLabel)?.text ?? null;
  if (!hint.test(normalizeLabel(right.text))) return right.text;
  const afterHint = right.text.slice(right.text.indexOf("。") + 1).trim();
  if (right.text.includes("。") && afterHint) return afterHint;
  for (let r = right.row + 1; r <= Math.min(hit.cell.range.bottom + 1, rowCount(sheet) - 1); r++) {
    if (r > hit.cell.range.bottom && cellText(sheet, r, hit.cell.col) !== "") break;
    for (let c = hit.cell.range.right + 1; c < columnCount(sheet); c++) {
      const text = cellText(sheet, r, c);
      if (text && !isInfoLabel(text)) return text;
    }
  }
  return null;
}

function checkInfo(found: Partial<Record<InfoField, string>>, shown: Partial<Record<InfoField, string>>, options: InfoFormOptions): InfoFormReading {
  const findings: Finding[] = [];
  const fields = emptyFields();
  const label = (f: InfoField) => (f === "plan_text" || f === "featured_text" || f === "unit_name" ? (shown[f] ?? names[f].name) : names[f].name);
  for (const field of Object.keys(names) as InfoField[]) fields[field] = found[field]?.trim() ?? null;

  for (const field of [...errorIfMissing, ...warnIfMissing]) {
    if (fields[field] !== null) continue;
    const severity = errorIfMissing.includes(field) ? "error" : "warning";
    findings.push(finding(severity, "info.missing_field", `未填写‘${label(field)}’。请填写${names[field].what}后重新发送。`, field));
  }
  if (fields.mobile !== null) {
    const digits = fields.mobile
      .normalize("NFKC")
      .replace(/[\s\-–—()（）]/gu, "")
      .replace(/^(\+?86)(?=1\d{10}$)/u, "");
    if (/^1[3-9]\d{9}$/u.test(digits)) fields.mobile = digits;
    else
      findings.push(
        finding(
          "error",
          "info.mobile_invalid",
          `‘手机’应为 11 位手机号码（以 13–19 开头），当前为‘${fields.mobile}’。请填写联系人的手机号码，如 13812345678。`,
          "mobile",
        ),
      );
  }
  if (fields.qq !== null) {
    const qq = fields.qq
      .normalize("NFKC")
      .replace(/\s+/gu, "")
      .replace(/@qq\.com$/iu, "");
    if (/^[1-9]\d{4,10}$/u.test(qq)) fields.qq = qq;
    else
      findings.push(
        finding("error", "info.qq_invalid", `‘QQ号’应为 5–11 位数字且不以 0 开头，当前为‘${fields.qq}’。请填写联系人的QQ号码，如 112812581。`, "qq"),
      );
  }
  if (fields.website_url !== null) findings.push(...checkUrl(fields));
  if (fields.filler_phone !== null) {
    const phone = fields.filler_phone.normalize("NFKC").replace(/[\s()（）]/gu, "");
    if (!/^(1[3-9]\d{9}|(0\d{2,3}-?)?\d{7,8}(-\d{1,6})?)$/u.test(phone)) {
      findings.push(
        finding(
          "warning",
          "info.phone_invalid",
          `‘联系电话’的格式不正确，当前为‘${fields.filler_phone}’。请填写手机号码或带区号的固定电话，如 023-46780000。`,
          "filler_phone",
        ),
      );
    }
  }
  for (const [field, max] of [
    ["plan_text", options.planTextMax],
    ["featured_text", options.featuredTextMax],
  ] as const) {
    const text = fields[field];
    if (text === null || countChars(text) <= max) continue;
    const message = `‘${label(field)}’共 ${countChars(text)} 字，超过了 ${max} 字的限制。请精简到 ${max} 字以内后重新发送。`;
    findings.push(finding("error", field === "plan_text" ? "info.plan_too_long" : "info.featured_too_long", message, field));
  }
  return { fields, findings };
}

function checkUrl(fields: InfoFields): Finding[] {
  const url = (fields.website_url ?? "").normalize("NFKC").trim();
  fields.website_url = url;
  if (/^https?:\/\/[^\s/]+\.[^\s]+$/iu.test(url)) return [];
  const name = names.website_url.name;
  if (/^www\.[^\s/]+\.[^\s]+$/iu.test(url)) {
    const message = `‘${name}’缺少开头的 http:// 或 https://，当前为‘${url}’。网址已收到；建议今后填写完整网址，如 http://${url}。`;
    return [finding("warning", "info.url_without_scheme", message, "website_url")];
  }
  const message = `‘${name}’应为以 http:// 或 https:// 开头的网址，当前为‘${url}’。请打开专题网站或专栏，复制浏览器地址栏中的完整网址填入，如 https://www.example.edu.cn/zt/。`;
  return [finding("error", "info.url_invalid", message, "website_url")];
}
