import type { SheetValue } from "./sheet.ts";

/**
 * How a cell of a form reads as a number. Clerks write "120人", "3个", "15篇", "1,200",
 * numbers stored as text, and percentages as 85%, 0.85 or 85.
 */
export type NumberReading =
  | { status: "ok"; value: number }
  | { status: "empty" }
  | { status: "not_number" | "not_integer" | "negative" | "out_of_range"; text: string };

/** Units seen after counts in these forms; longest first so 人次 is not read as 人 + 次. */
const unitSuffix = /(人次|名|人|个|篇|所|家|项|次|条|场|校|期|份)$/u;
/** Written where a cell has nothing to say; 无 ("none") is a count of zero. */
const placeholders = new Set(["/", "-", "--", "—", "——", "－", "\\"]);

export function valueText(v: SheetValue): string {
  return v === null ? "" : String(v).normalize("NFKC").replace(/\s+/gu, "");
}

/** The text of a cell, trimmed, or null when empty. */
export function textOrNull(v: SheetValue): string | null {
  if (v === null) return null;
  const text = String(v).trim();
  return text === "" ? null : text;
}

function numberFromText(text: string): number | null {
  const plain = /^-?\d{1,3}(,\d{3})+(\.\d+)?$/u.test(text) ? text.replace(/,/gu, "") : text;
  return /^-?\d+(\.\d+)?$/u.test(plain) ? Number(plain) : null;
}

/** Floating noise from formulas (119.99999999) is not a fraction a clerk wrote. */
function nearInteger(n: number): number | null {
  const r = Math.round(n);
  return Math.abs(n - r) < 1e-9 ? r : null;
}

/** A non-negative whole count. */
export function readCount(v: SheetValue): NumberReading {
  const text = valueText(v);
  if (text === "" || placeholders.has(text)) return { status: "empty" };
  if (text === "无") return { status: "ok", value: 0 };
  const n = typeof v === "number" ? v : numberFromText(text.replace(unitSuffix, ""));
  if (n === null || !Number.isFinite(n)) return { status: "not_number", text: String(v).trim() };
  const whole = nearInteger(n);
  if (whole === null) return { status: "not_integer", text: String(v).trim() };
  if (whole < 0) return { status: "negative", text: String(v).trim() };
  return { status: "ok", value: whole };
}

/**
 * A percentage stored as a number from 0 to 100 (SPEC §4: accept 85%, 0.85 and 85; store 85).
 * A bare number below 1 is a fraction; "85%" is always a percentage.
 */
export function readPercent(v: SheetValue): NumberReading {
  const text = valueText(v);
  if (text === "" || placeholders.has(text)) return { status: "empty" };
  const written = String(v).trim();
  const percent = /%$/u.test(text);
  const n = typeof v === "number" ? v : numberFromText(percent ? text.slice(0, -1) : text);
  if (n === null || !Number.isFinite(n)) return { status: "not_number", text: written };
  const value = Math.round((!percent && n > 0 && n < 1 ? n * 100 : n) * 100) / 100;
  if (value < 0 || value > 100) return { status: "out_of_range", text: written };
  return { status: "ok", value };
}

/** Characters as a clerk counts 字数: code points, whitespace not counted. */
export function countChars(text: string): number {
  return Array.from(text.replace(/\s+/gu, "")).length;
}
