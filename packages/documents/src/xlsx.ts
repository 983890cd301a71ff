import type { Readable } from "node:stream";
import type { CellRange, Sheet, SheetValue } from "@baosong/core";
import ExcelJS from "exceljs";
import { SheetTooLargeError, XlsxUnreadableError } from "./errors.ts";
import { checkXlsxLimits, defaultMaxUnpackedBytes, type XlsxLimits } from "./xlsx-limits.ts";
import { readAllBounded } from "./read-all.ts";

export type { XlsxLimits } from "./xlsx-limits.ts";

/**
 * Reads every worksheet of an .xlsx as the form readers want it: values as displayed
 * (rich text joined, formulas' cached results, dates as YYYY-MM-DD, percentages as "85%",
 * hyperlinks' text) and merged regions. Rows and columns come from the cells actually
 * present, never from the declared <dimension>, which WPS often writes wrong.
 * Throws SheetTooLargeError or XlsxUnreadableError; exceljs cannot read .xls (BIFF).
 */
export async function readXlsxSheets(input: Buffer | Readable, limits: XlsxLimits): Promise<Sheet[]> {
  const buf = Buffer.isBuffer(input) ? input : await collect(input, limits.maxUnpackedBytes ?? defaultMaxUnpackedBytes);
  checkXlsxLimits(buf, limits);
  const workbook = new ExcelJS.Workbook();
  try {
    // exceljs declares its own Buffer type; a Node Buffer is what it reads at runtime.
    await workbook.xlsx.load(buf as unknown as ExcelJS.Buffer);
  } catch (err) {
    throw new XlsxUnreadableError(`exceljs could not read the workbook: ${(err as Error).message}`, { cause: err });
  }
  return workbook.worksheets.map((ws) => toSheet(ws, limits.maxCells));
}

const collect = (stream: Readable, maxBytes: number) => readAllBounded(stream, maxBytes, () => new SheetTooLargeError(null, "bytes", maxBytes));

function toSheet(ws: ExcelJS.Worksheet, maxCells: number): Sheet {
  const cells: SheetValue[][] = [];
  let stored = 0;
  ws.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const values: SheetValue[] = [];
    row.eachCell({ includeEmpty: false }, (cell, colNumber) => {
      // The other cells of a merged region repeat the top-left value in exceljs; the Sheet keeps it once.
      if (cell.isMerged && cell.master.address !== cell.address) return;
      const value = displayValue(cell.value, cell.numFmt);
      if (value !== null && !(typeof value === "string" && value.trim() === "")) values[colNumber - 1] = value;
    });
    if (values.length === 0) return;
    stored += values.length + 1;
    if (stored > maxCells) throw new SheetTooLargeError(ws.name, "cells", maxCells);
    cells[rowNumber - 1] = Array.from(values, (v) => v ?? null);
  });
  const rows = Array.from(cells, (r) => r ?? []);
  const merges = ws.model.merges.map(decodeRange).filter((m): m is CellRange => m !== null);
  return { name: ws.name, cells: rows, merges };
}

/** "A1:B2" → 0-based inclusive range. */
function decodeRange(ref: string): CellRange | null {
  const [from, to = from] = ref.split(":") as [string, string?];
  const a = decodeCell(from);
  const b = decodeCell(to);
  if (!a || !b) return null;
  return { top: Math.min(a[0], b[0]), left: Math.min(a[1], b[1]), bottom: Math.max(a[0], b[0]), right: Math.max(a[1], b[1]) };
}

function decodeCell(ref: string): [number, number] | null {
  const m = /^\$?([A-Z]+)\$?(\d+)$/u.exec(ref.trim().toUpperCase());
  if (!m) return null;
  const col = Array.from(m[1]!).reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0);
  return [Number(m[2]) - 1, col - 1];
}

type RawValue = ExcelJS.CellValue | ExcelJS.CellRichTextValue | undefined;

/** A cell's value as the clerk saw it on screen. */
export function displayValue(value: RawValue, numFmt: string | undefined): SheetValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return displayNumber(value, numFmt);
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (value instanceof Date) return displayDate(value);
  if ("richText" in value) return value.richText.map((r) => r.text).join("");
  if ("hyperlink" in value) {
    const text = displayValue(value.text as RawValue, numFmt);
    return text === null || text === "" ? value.hyperlink : text;
  }
  if ("formula" in value || "sharedFormula" in value) return displayValue(value.result as RawValue, numFmt);
  if ("error" in value) return value.error;
  return null;
}

/** Format codes with their quoted text and [colour]/[$-804] sections removed. */
function formatTokens(numFmt: string | undefined): string {
  return (numFmt ?? "").replace(/"[^"]*"|\[[^\]]*\]|\\./gu, "");
}

function displayNumber(n: number, numFmt: string | undefined): SheetValue {
  const tokens = formatTokens(numFmt);
  if (/%/u.test(tokens)) return `${Number((n * 100).toFixed(6))}%`;
  // A formula's cached result is a serial number even when the cell shows a date.
  if (/[ydhms]/iu.test(tokens) && !/[0#?]/u.test(tokens) && tokens !== "General") {
    return displayDate(new Date(Date.UTC(1899, 11, 30) + Math.round(n * 86_400_000)));
  }
  return n;
}

/** exceljs gives dates as UTC instants of the wall-clock time written in the cell. */
function displayDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  const day = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  if (day === "1899-12-30" || day === "1899-12-31") return time;
  return time === "00:00" ? day : `${day} ${time}`;
}
