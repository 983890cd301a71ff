import type { DocText } from "../reports/doc-text.ts";
import type { Sheet } from "./sheet.ts";
import { cellText, columnCount, isRegionStart, rowCount } from "./sheet.ts";

/** Form kinds, for the file name's say in whether a document's table is its form. */
const formKinds: readonly string[] = ["info_form", "stats_form", "featured_list"];
/** Text outside the tables beyond this is a report's body, not a form's title and notes. */
const FORM_PROSE_MAX = 600;

/**
 * The tables of a Word document or PDF that may be read as forms. Seed 000 sends 附件1 信息采集表
 * as a Word table and seed 003 asks for the 一览表 "含可编辑Word版": such a document is its
 * table, a title and a note. A report that merely shows a table (a summary quoting its figures)
 * is not a form: its tables are read as forms only when its name says it is one.
 */
export function formTablesOf(doc: DocText | undefined, kindByName: string): readonly Sheet[] {
  const tables = doc?.tables ?? [];
  if (tables.length === 0) return [];
  if (formKinds.includes(kindByName)) return tables;
  const all = doc!.paragraphs.reduce((n, p) => n + p.text.replace(/\s/gu, "").length, 0);
  const inTables = tables.reduce((n, t) => n + tableChars(t), 0);
  return all - inTables <= FORM_PROSE_MAX || inTables * 2 >= all ? tables : [];
}

function tableChars(sheet: Sheet): number {
  let n = 0;
  for (let r = 0; r < rowCount(sheet); r++) {
    for (let c = 0; c < columnCount(sheet); c++) if (isRegionStart(sheet, r, c)) n += cellText(sheet, r, c).replace(/\s/gu, "").length;
  }
  return n;
}
