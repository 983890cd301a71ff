import { describe, expect, it } from "vitest";
import { builtinFormats, displayNumber, isDateFormat } from "./number-format.ts";

describe("number formats", () => {
  it("knows the Far-East built-in date formats a Chinese Excel uses without writing them out", () => {
    for (const id of [27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 50, 51, 52, 53, 54, 55, 56, 57, 58])
      expect(isDateFormat(builtinFormats[id]), String(id)).toBe(true);
    expect(displayNumber(44697, builtinFormats[31])).toBe("2022-05-16");
    expect(displayNumber(0.625, builtinFormats[55])).toBe("15:00");
  });

  it("decides whether a number is a date by the format's first section only", () => {
    expect(isDateFormat('yyyy"年"m"月"d"日";0')).toBe(true);
    expect(isDateFormat("0;[Red]-0;\\d")).toBe(false);
    expect(isDateFormat('#,##0"人";-#,##0;"—"')).toBe(false);
    expect(isDateFormat("General")).toBe(false);
    expect(isDateFormat("[$-804]yyyy/m/d")).toBe(true);
    expect(displayNumber(0.85, "0%;-0%")).toBe("85%");
  });
});
