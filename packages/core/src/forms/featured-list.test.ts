import { describe, expect, it } from "vitest";
import { readFeaturedList } from "./featured-list.ts";
import { sheetOf } from "./sheet-builder.ts";
import type { SheetValue } from "./sheet.ts";

/** The 2022 Nanchang 特色亮点活动一览表: title rows, the header, and numbered rows. */
function nanchang(rows: SheetValue[][]) {
  return sheetOf([
    ["2022年职业教育活动周特色亮点活动一览表"],
    ["填表单位：（盖章）南昌市第一中等专业学校"],
    ["联系人：刘老师"],
    ["电话：0791-83989457"],
    ["序号", "举办单位", "时间", "地点", "特色活动名称", "特色活动简介（300 字以内）", "活动成效"],
    ...rows,
  ]);
}

const first: SheetValue[] = [
  1,
  "南昌市第一中等专业学校",
  "2022-05-18",
  "学校实训楼",
  "汽修技能开放日",
  "面向家长和初中生开放汽修实训室，学生现场演示。",
  "接待家长300余人",
];

describe("readFeaturedList", () => {
  it("reads one row per filled activity and skips the template's empty numbered rows", () => {
    const reading = readFeaturedList(nanchang([first, [2, null, null, null, null, null, null], [3]]), { introMax: 300, year: 2022 });
    expect(reading.findings).toEqual([]);
    expect(reading.reporter).toEqual({ unit: "南昌市第一中等专业学校", name: "刘老师", phone: "0791-83989457" });
    expect(reading.rows).toEqual([
      {
        row: 5,
        fields: {
          seq: 1,
          organizer: "南昌市第一中等专业学校",
          held_on: "2022-05-18",
          held_on_date: "2022-05-18",
          place: "学校实训楼",
          name: "汽修技能开放日",
          intro: "面向家长和初中生开放汽修实训室，学生现场演示。",
          outcome: "接待家长300余人",
        },
        findings: [],
      },
    ]);
  });

  it("finds the columns wherever they moved", () => {
    const sheet = sheetOf([
      ["特色活动名称", "序号", "活动成效", "地点", "时间", "主办单位", "简介"],
      ["非遗传承体验", 1, "300人参与", "礼堂", "5月20日", "某职校", "传统工艺体验"],
    ]);
    expect(readFeaturedList(sheet, { introMax: 300, year: 2022 }).rows[0]!.fields).toEqual({
      seq: 1,
      organizer: "某职校",
      held_on: "5月20日",
      held_on_date: "2022-05-20",
      place: "礼堂",
      name: "非遗传承体验",
      intro: "传统工艺体验",
      outcome: "300人参与",
    });
  });

  it("reports an over-long intro and a row without a name, saying which row", () => {
    const reading = readFeaturedList(
      nanchang([
        [1, "某职校", "5月18日", "礼堂", "开放日", "简".repeat(301), "好"],
        [2, "某职校", "5月19日", "操场", null, "介绍", "好"],
      ]),
      {
        introMax: 300,
        year: 2022,
      },
    );
    expect(reading.findings).toEqual([
      {
        severity: "error",
        code: "featured.intro_too_long",
        field: "intro",
        message: "第6行（开放日）：‘特色活动简介’共 301 字，超过了 300 字的限制。请精简到 300 字以内后重新发送。",
      },
      {
        severity: "error",
        code: "featured.missing_field",
        field: "name",
        message: "第7行（序号2）：未填写‘特色活动名称’。请补充后重新发送。",
      },
    ]);
  });

  it("says so when the template arrives with no activity filled in", () => {
    const reading = readFeaturedList(nanchang([[1], [2], [3]]), { introMax: 300, year: 2022 });
    expect(reading.rows).toEqual([]);
    expect(reading.findings.map((f) => f.code)).toEqual(["featured.no_rows"]);
  });

  it("says so when a sheet has no featured-list header", () => {
    expect(readFeaturedList(sheetOf([["姓名", "电话"]]), { introMax: 300, year: 2022 }).findings.map((f) => f.code)).toEqual(["featured.no_header"]);
  });
});
