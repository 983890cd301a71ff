import type { SheetValue } from "@baosong/core";

/**
 * Built-in number formats a workbook may use by id without writing them out (ECMA-376
 * §18.8.30; the same ids in BIFF8): 9/10 percent, 14–22 and 45–47 dates and times, and the
 * Far-East ids 27–36 and 50–58 as a Chinese (zh-CN) Excel or WPS shows them, so that a date
 * formatted yyyy"年"m"月"d"日" reads as a date, not as its serial number.
 */
export const builtinFormats: Readonly<Record<number, string>> = {
  0: "General",
  1: "0",
  2: "0.00",
  3: "#,##0",
  4: "#,##0.00",
  9: "0%",
  10: "0.00%",
  11: "0.00E+00",
  12: "# ?/?",
  13: "# ??/??",
  14: "yyyy-mm-dd",
  15: "d-mmm-yy",
  16: "d-mmm",
  17: "mmm-yy",
  18: "h:mm AM/PM",
  19: "h:mm:ss AM/PM",
  20: "h:mm",
  21: "h:mm:ss",
  22: "yyyy-mm-dd h:mm",
  27: 'yyyy"年"m"月"',
  28: 'm"月"d"日"',
  29: 'm"月"d"日"',
  30: "m-d-yy",
  31: 'yyyy"年"m"月"d"日"',
  32: 'h"时"mm"分"',
  33: 'h"时"mm"分"ss"秒"',
  34: '上午/下午h"时"mm"分"',
  35: '上午/下午h"时"mm"分"ss"秒"',
  36: 'yyyy"年"m"月"',
  37: "#,##0 ;(#,##0)",
  38: "#,##0 ;[Red](#,##0)",
  39: "#,##0.00;(#,##0.00)",
  40: "#,##0.00;[Red](#,##0.00)",
  45: "mm:ss",
  46: "[h]:mm:ss",
  47: "mm:ss.0",
  48: "##0.0E+0",
  49: "@",
  50: 'yyyy"年"m"月"',
  51: 'm"月"d"日"',
  52: 'yyyy"年"m"月"',
  53: 'm"月"d"日"',
  54: 'm"月"d"日"',
  55: '上午/下午h"时"mm"分"',
  56: '上午/下午h"时"mm"分"ss"秒"',
  57: 'yyyy"年"m"月"',
  58: 'm"月"d"日"',
};

/**
 * The first section of a format code (the one positive numbers use), with its quoted text,
 * escapes and [colour]/[$-804]/[DBNum1] brackets removed. A later section (`0;"日"`) says nothing
 * about whether a positive number is a date.
 */
function firstSectionTokens(numFmt: string | undefined): string {
  const code = numFmt ?? "";
  let section = "";
  for (const m of code.matchAll(/"[^"]*"|\[[^\]]*\]|\\.|;|[^"[\\;]+|["[\\]/gu)) {
    if (m[0] === ";") break;
    section += m[0];
  }
  return section.replace(/"[^"]*"|\[[^\]]*\]|\\.|_.|\*./gu, "");
}

/** Whether a number in this format shows as a date or a time. */
export function isDateFormat(numFmt: string | undefined): boolean {
  return kindOf(numFmt) === "date";
}

/** A workbook uses a handful of formats for thousands of cells: each is looked at once. */
const kinds = new Map<string, "date" | "percent" | "number">();

function kindOf(numFmt: string | undefined): "date" | "percent" | "number" {
  const code = numFmt ?? "General";
  let kind = kinds.get(code);
  if (kind === undefined) {
    const tokens = firstSectionTokens(code);
    if (/%/u.test(tokens)) kind = "percent";
    else if (/^general$/iu.test(tokens.trim())) kind = "number";
    else kind = /[ydhms]|上午|下午/iu.test(tokens) && !/[0#?]/u.test(tokens) ? "date" : "number";
    if (kinds.size < 10_000) kinds.set(code, kind);
  }
  return kind;
}

/** A number as the clerk saw it: percentages as "85%", dates as YYYY-MM-DD (and a time when there is one). */
export function displayNumber(n: number, numFmt: string | undefined, date1904 = false): SheetValue {
  const kind = kindOf(numFmt);
  if (kind === "percent") return `${Number((n * 100).toFixed(6))}%`;
  if (kind !== "date") return n;
  // A 1904-based workbook counts days from 1904-01-01, 1462 days after the 1900 epoch.
  return displayDate(new Date(Date.UTC(1899, 11, 30) + Math.round((date1904 ? n + 1462 : n) * 86_400_000)));
}

/** A date as the wall-clock time written in the cell (a UTC instant of it). */
export function displayDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  const day = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  if (day === "1899-12-30" || day === "1899-12-31") return time;
  return time === "00:00" ? day : `${day} ${time}`;
}
