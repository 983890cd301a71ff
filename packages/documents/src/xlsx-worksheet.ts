import type { CellRange, Sheet, SheetValue } from "@baosong/core";
import { SheetTooLargeError } from "./errors.ts";
import { displayDate, displayNumber } from "./number-format.ts";
import { decodeCell, decodeRange, toSheet, type CellMap } from "./sheet-grid.ts";
import { decodeXmlText, scanXml } from "./xml-scanner.ts";

/** What every worksheet of a workbook shares: its strings, its formats and one character budget. */
export interface WorkbookContext {
  sharedStrings: readonly string[];
  /** Each cell style's (cellXfs index) number format code. */
  styleFormats: readonly string[];
  date1904: boolean;
  maxCells: number;
  /** Characters left for the whole workbook's values: a shared string repeated 12,000 times counts 12,000 times. */
  chars: { used: number; max: number };
}

interface CellInProgress {
  row: number;
  col: number;
  type: string;
  style: number;
  value: string;
  inline: string;
}

/**
 * One worksheet part, read as it is written: rows and cells placed by their `r` when they have
 * one and after the previous one when they do not (as some generators write them), values as
 * displayed — a formula's cached result is its value, 0 and FALSE included.
 */
export function readWorksheet(name: string, xml: string, book: WorkbookContext): Sheet {
  const cells: CellMap = new Map();
  const merges: CellRange[] = [];
  let cost = 0;
  let stored = 0;
  let row = -1;
  let lastCol = -1;
  let cell: CellInProgress | null = null;
  let collect: "value" | "inline" | null = null;
  let phonetic = 0;

  const charge = (n: number) => {
    cost += n;
    if (cost > book.maxCells) throw new SheetTooLargeError(name, "cells", book.maxCells);
  };
  const put = (c: CellInProgress) => {
    const value = cellValue(c, book);
    if (value === null || (typeof value === "string" && value.trim() === "")) return;
    if (typeof value === "string") {
      book.chars.used += value.length;
      if (book.chars.used > book.chars.max) throw new SheetTooLargeError(name, "chars", book.chars.max);
    }
    let line = cells.get(c.row);
    if (!line) cells.set(c.row, (line = new Map()));
    if (!line.has(c.col)) stored++;
    line.set(c.col, value);
  };

  scanXml(xml, {
    open(tag, a, selfClosing) {
      switch (tag) {
        case "row":
          charge(1);
          row = a.r && Number(a.r) >= 1 ? Number(a.r) - 1 : row + 1;
          lastCol = -1;
          break;
        case "c": {
          charge(1);
          const at = a.r ? decodeCell(a.r) : null;
          if (at && at[0] !== row) row = at[0];
          if (row < 0) row = 0;
          const col = at ? at[1] : lastCol + 1;
          lastCol = col;
          cell = { row, col, type: a.t ?? "n", style: Number(a.s ?? 0) || 0, value: "", inline: "" };
          break;
        }
        case "v":
          if (cell && !selfClosing) collect = "value";
          break;
        case "t":
          if (cell && !selfClosing && phonetic === 0) collect = "inline";
          break;
        case "rPh":
          phonetic++;
          break;
        case "mergeCell": {
          const range = a.ref ? decodeRange(a.ref) : null;
          if (range) {
            charge((range.bottom - range.top + 1) * (range.right - range.left + 1));
            merges.push(range);
          }
          break;
        }
      }
    },
    close(tag) {
      if (tag === "v" || tag === "t") collect = null;
      else if (tag === "rPh") phonetic--;
      else if (tag === "c" && cell) {
        put(cell);
        cell = null;
      }
    },
    text(text, start, end) {
      if (!cell || !collect) return;
      cell[collect] += decodeXmlText(text.slice(start, end));
    },
  });
  return toSheet(name, cells, merges, stored, book.maxCells);
}

function cellValue(c: CellInProgress, book: WorkbookContext): SheetValue {
  const v = c.value.trim();
  switch (c.type) {
    case "s":
      return v === "" ? null : (book.sharedStrings[Number(v)] ?? null);
    case "inlineStr":
      return unescapeOoxml(c.inline || c.value);
    case "str":
      return unescapeOoxml(c.value || c.inline);
    case "b":
      return v === "" ? null : v === "1" || v.toLowerCase() === "true" ? "TRUE" : "FALSE";
    case "e":
      return v || null;
    case "d":
      return isoDate(v);
  }
  if (v === "") return c.inline ? unescapeOoxml(c.inline) : null;
  const n = Number(v);
  return Number.isFinite(n) ? displayNumber(n, book.styleFormats[c.style], book.date1904) : v;
}

/** A `t="d"` cell holds an ISO 8601 date and time. */
function isoDate(v: string): SheetValue {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/u.exec(v);
  if (!m) return v || null;
  return displayDate(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0))));
}

/** ECMA-376 writes characters XML cannot hold as `_xHHHH_` (a line break inside a cell as `_x000D_`). */
export function unescapeOoxml(s: string): string {
  if (!s.includes("_x")) return s;
  return s.replace(/_x([0-9A-Fa-f]{4})_/gu, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}
