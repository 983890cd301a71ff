import { describe, expect, it } from "vitest";
import { sheetOf } from "./sheet-builder.ts";
import { cellText, cellValue, displayLabel, findLabelCells, normalizeLabel } from "./sheet.ts";

describe("sheet", () => {
  it("reads every cell of a merged region as its top-left value", () => {
    const sheet = sheetOf(
      [
        ["活动周媒体报道数", null],
        ["市级", "区县级"],
      ],
      ["A1:B1"],
    );
    expect(cellValue(sheet, 0, 1)).toBe("活动周媒体报道数");
    expect(cellValue(sheet, 1, 1)).toBe("区县级");
    expect(cellText(sheet, 5, 9)).toBe("");
  });

  it("normalises labels: full-width forms, wrapped lines, spaces and trailing colons", () => {
    expect(normalizeLabel("活动周\n初步考虑\n（300字以内）：")).toBe("活动周初步考虑(300字以内)");
    expect(normalizeLabel("ＱＱ号\u3000：")).toBe("QQ号");
    expect(normalizeLabel("特色活动简介(300 字以内)")).toBe("特色活动简介(300字以内)");
  });

  it("shows labels back without wrapping or trailing hints", () => {
    expect(displayLabel("参与活动的职业院校数\n（仅区县教育行政部门填写）")).toBe("参与活动的职业院校数");
    expect(displayLabel("（300字以内）")).toBe("（300字以内）");
  });

  it("finds each merged label once", () => {
    const sheet = sheetOf(
      [
        ["学校", null, "学校"],
        [null, null, null],
      ],
      ["A1:B2"],
    );
    expect(findLabelCells(sheet, /^学校$/u).map((c) => [c.row, c.col, c.range])).toEqual([
      [0, 0, { top: 0, left: 0, bottom: 1, right: 1 }],
      [0, 2, { top: 0, left: 2, bottom: 0, right: 2 }],
    ]);
  });
});
