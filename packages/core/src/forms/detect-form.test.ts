import { describe, expect, it } from "vitest";
import { detectFormKind } from "./detect-form.ts";
import { sheetOf } from "./sheet-builder.ts";

describe("detectFormKind", () => {
  it("knows a stats form by 参与活动的教师数 whatever its title says", () => {
    const sheet = sheetOf([["工作表1"], ["学校", "参与活动的教师数", "参与活动的学生数", "参与总人数"], ["荣昌职教中心", 120, 1500, 2000]], [], "Sheet1");
    expect(detectFormKind(sheet)).toEqual({ kind: "stats_form", reason: "sheet_header:参与活动的教师数+参与活动的学生数+参与总人数" });
  });

  it("knows an info form by its contact labels, 00号 included", () => {
    const sheet = sheetOf([["市(州)/职业(含技工)学校", "联系人", "职务", "手机", "00号", "专题网站(专栏)链接地址"]]);
    expect(detectFormKind(sheet)).toEqual({ kind: "info_form", reason: "sheet_header:联系人+职务+手机" });
  });

  it("tells a featured list from an info form although both ask for 特色活动简介", () => {
    const sheet = sheetOf([["序号", "举办单位", "时间", "地点", "特色活动名称", "特色活动简介（300 字以内）", "活动成效"]]);
    expect(detectFormKind(sheet)?.kind).toBe("featured_list");
  });

  it("falls back to the form's title when the header was reworded", () => {
    expect(detectFormKind(sheetOf([["2022年职业教育活动周情况统计表"], ["学校", "老师", "学生"]]))).toEqual({
      kind: "stats_form",
      reason: "sheet_title:情况统计表",
    });
  });

  it("recognises nothing in an unrelated sheet", () => {
    expect(
      detectFormKind(
        sheetOf([
          ["姓名", "班级", "成绩"],
          ["张三", "1班", 90],
        ]),
      ),
    ).toBeNull();
  });
});
