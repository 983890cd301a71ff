/**
 * Word and PDF tables against the same form saved by LibreOffice as .xls: scripts/fixtures/
 * make-form-variants.ts writes one variant as .doc, .pdf (printed from the .docx) and .xls, so
 * the table readers must give the sheet the workbook reader gives: the same merges, the same cells.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cellText, columnCount, rowCount, type CellRange, type Sheet } from "@baosong/core";
import { readDoc } from "./doc.ts";
import { readPdf } from "./pdf.ts";
import { readXlsSheets } from "./xls.ts";

const dir = join(import.meta.dirname, "../../../test/fixtures/form-variants");
const file = (name: string) => readFileSync(join(dir, name));
const limits = { maxChars: 200_000 };
const byPosition = (a: CellRange, b: CellRange) => a.top - b.top || a.left - b.left;
/** Cell texts without whitespace: Word wraps a label where Excel keeps it on one line. */
const texts = (sheet: Sheet) =>
  Array.from({ length: rowCount(sheet) }, (_, r) =>
    Array.from({ length: columnCount(sheet) }, (_, c) => cellText(sheet, r, c).replace(/\s+/gu, ""))
      .join("|")
      .replace(/\|+$/u, ""),
  );

describe("Word and PDF tables read as the workbook of the same form", () => {
  it.each(["stats-003", "stats-005"])("reads %s as .doc and .pdf to the merges and cells of its .xls", async (name) => {
    const [xls] = await readXlsSheets(file(`${name}.xls`), { maxCells: 100_000 });
    const doc = (await readDoc(file(`${name}.doc`), limits)).tables![0]!; // stats-003 is framed: the form comes first
    const pdf = (await readPdf(file(`${name}.pdf`), limits)).doc!.tables![0]!;
    const table = (s: Sheet) => s.merges.filter((m) => m.right > m.left || m.bottom > m.top).sort(byPosition);
    expect(table(doc)).toEqual(table(xls!));
    expect(table(pdf)).toEqual(table(xls!));
    // The title and signature lines are one paragraph in Word, several cells in Excel: compare the table rows.
    const header = xls!.merges.reduce((top, m) => Math.min(top, m.top), Infinity);
    expect(texts(doc).slice(header)).toEqual(texts(xls!).slice(header));
    expect(texts(pdf).slice(header)).toEqual(texts(xls!).slice(header));
  });

  it("lists the form framed in a one-cell table of a .doc before its frame", async () => {
    const tables = (await readDoc(file("featured-000.doc"), limits)).tables!;
    expect(tables).toHaveLength(2);
    expect(texts(tables[0]!).some((row) => row.startsWith("序号|"))).toBe(true);
    expect(columnCount(tables[1]!)).toBe(1);
  });
});
