import { describe, expect, it } from "vitest";
import { lineCells, tablesToSheets, type GridRow } from "./table-grid.ts";

const row = (...cells: [string, number, number][]): GridRow => ({ cells: cells.map(([text, left, right]) => ({ text, left, right })) });

describe("lineCells", () => {
  it("splits a signature line where the clerk spaced it out or a PDF closed the gap", () => {
    expect(lineCells("填报单位（盖章）：某校\t填报日期：5月20日")).toEqual(["填报单位（盖章）：某校", "填报日期：5月20日"]);
    expect(lineCells("填报人：刘洋联系电话：023-46780000")).toEqual(["填报人：刘洋", "联系电话：023-46780000"]);
    expect(lineCells("2022年职业教育活动周信息采集表")).toEqual(["2022年职业教育活动周信息采集表"]);
  });
});

describe("tablesToSheets", () => {
  it("makes a cell wider than the ones below a merge, and joins a table continued on the next page without its repeated header", () => {
    const header = row(["单位", 0, 10], ["媒体报道数", 10, 30]);
    const levels = row(["", 0, 10], ["市级", 10, 20], ["区县级", 20, 30]);
    const [sheet] = tablesToSheets([
      { rows: [header, levels, row(["甲校", 0, 10], ["1", 10, 20], ["2", 20, 30])], before: ["附件2"], after: [], continues: false },
      { rows: [header, row(["乙校", 0, 10], ["3", 10, 20], ["4", 20, 30])], before: [], after: ["填表说明：…"], continues: true },
    ]);
    expect(sheet!.cells).toEqual([["附件2"], ["单位", "媒体报道数"], [null, "市级", "区县级"], ["甲校", "1", "2"], ["乙校", "3", "4"], ["填表说明：…"]]);
    expect(sheet!.merges).toEqual([{ top: 1, left: 1, bottom: 1, right: 2 }]);
  });

  it("finishes a row a PDF page broke, but keeps a new row of its own", () => {
    const first = { rows: [row(["序号", 0, 5], ["简介", 5, 20]), row(["1", 0, 5], ["组织学生走进", 5, 20])], before: [], after: [], continues: false };
    const [broken] = tablesToSheets(
      [first, { rows: [row(["", 0, 5], ["实训中心。", 5, 20]), row(["2", 0, 5], ["开放日", 5, 20])], before: [], after: [], continues: true }],
      { rowsBreakAcrossPages: true },
    );
    expect(broken!.cells).toEqual([
      ["序号", "简介"],
      ["1", "组织学生走进实训中心。"],
      ["2", "开放日"],
    ]);
  });
});
