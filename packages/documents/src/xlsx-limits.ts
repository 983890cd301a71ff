import { SheetTooLargeError, XlsxUnreadableError } from "./errors.ts";
import { inflateEntry, listZipEntries, ZipEntryTooLargeError, ZipFormatError } from "./zip-entries.ts";

export interface XlsxLimits {
  /**
   * The most cells one worksheet may hold: every <c> element (WPS writes empty styled
   * cells too, and exceljs builds an object for each), every <row>, and every cell a
   * merged region covers (exceljs creates those as well).
   */
  maxCells: number;
  /** The most bytes the whole workbook may unpack to; 64 MiB by default. */
  maxUnpackedBytes?: number;
}

export const defaultMaxUnpackedBytes = 64 * 1024 * 1024;

const worksheetPart = /^xl\/worksheets\/[^/]+\.xml$/iu;

/** Decodes "AB12" to [row, col], 1-based. */
function a1(ref: string): [number, number] {
  const m = /^\$?([A-Z]+)\$?(\d+)$/u.exec(ref);
  if (!m) return [0, 0];
  const col = Array.from(m[1]!).reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0);
  return [Number(m[2]), col];
}

/** What a worksheet will cost exceljs, counted from its XML without building anything. */
export function worksheetCost(xml: string): number {
  const cells = xml.match(/<(?:\w+:)?c[\s>/]/gu)?.length ?? 0;
  const rows = xml.match(/<(?:\w+:)?row[\s>/]/gu)?.length ?? 0;
  let merged = 0;
  for (const m of xml.matchAll(/<(?:\w+:)?mergeCell\s[^>]*ref="([^":]+)(?::([^"]+))?"/gu)) {
    const [top, left] = a1(m[1]!);
    const [bottom, right] = a1(m[2] ?? m[1]!);
    merged += (Math.abs(bottom - top) + 1) * (Math.abs(right - left) + 1);
  }
  return cells + rows + merged;
}

/**
 * Looks inside the zip before exceljs inflates it whole (SPEC §8: a limit, not an OOM):
 * every entry is inflated under a shared byte ceiling, and each worksheet's cells are counted.
 */
export function checkXlsxLimits(buf: Buffer, limits: XlsxLimits): void {
  const budget = limits.maxUnpackedBytes ?? defaultMaxUnpackedBytes;
  if (buf.length > budget) throw new SheetTooLargeError(null, "bytes", budget);
  let used = 0;
  try {
    for (const entry of listZipEntries(buf)) {
      if (entry.name.endsWith("/")) continue;
      const bytes = inflateEntry(buf, entry, budget - used);
      used += bytes.length;
      if (worksheetPart.test(entry.name) && worksheetCost(bytes.toString("utf8")) > limits.maxCells) {
        throw new SheetTooLargeError(entry.name, "cells", limits.maxCells);
      }
    }
  } catch (err) {
    if (err instanceof ZipEntryTooLargeError) throw new SheetTooLargeError(null, "bytes", budget);
    if (err instanceof ZipFormatError) throw new XlsxUnreadableError(`not a readable .xlsx: ${err.message}`, { cause: err });
    throw err;
  }
}
