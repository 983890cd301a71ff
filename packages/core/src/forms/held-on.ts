/**
 * 特色亮点活动一览表 dates are free text: 5月16日, 5/16, 5.16上午, 2022年5月18日下午, and also
 * 5月16日-18日 or 5月中旬. The text is kept as written; this gives the one day it names, in
 * the campaign's year unless the clerk wrote a year, or null when it names no single day.
 */
const oneDay =
  /^(?:(\d{4})[年./-])?(\d{1,2})[月./-](\d{1,2})[日号]?(?:[(（]?(?:周|星期)[一二三四五六日天][)）]?)?(?:上午|下午|中午|晚上|全天|早上)?(?:\d{1,2}[:：]\d{2}(?:[-~至]\d{1,2}[:：]\d{2})?)?$/u;

export function parseHeldOn(text: string | null, campaignYear: number): string | null {
  if (text === null) return null;
  const m = oneDay.exec(text.normalize("NFKC").replace(/\s+/gu, ""));
  if (!m) return null;
  const year = m[1] ? Number(m[1]) : campaignYear;
  const month = Number(m[2]);
  const day = Number(m[3]);
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}
