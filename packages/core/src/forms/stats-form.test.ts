import { describe, expect, it } from "vitest";
import { sheetOf } from "./sheet-builder.ts";
import type { SheetValue } from "./sheet.ts";
import { readStatsForm } from "./stats-form.ts";

const rongchangLevels = ["市级及以上", "区县级"];
const sichuanLevels = ["省级及以上", "市(州)级", "县(区)级"];

/** The 2022 Rongchang 情况统计表 as the notice lays it out, with one school's figures. */
function rongchang(data: SheetValue[]) {
  return sheetOf(
    [
      ["2022年职业教育活动周情况统计表"],
      [
        "区县/高职院校（含职教本科）",
        "参与活动的职业院校数\n（仅区县教育行政部门填写）",
        "参与活动的职业院校教师数",
        "参与活动的职业院校学生数",
        "参与活动的职业院校学生参与覆盖率",
        "参与活动的企业数",
        "参与\n总人数",
        "观摩体验活动\n项目数",
        "活动周媒体报道数",
        null,
      ],
      [null, null, null, null, null, null, null, null, "市级及以上媒体报道数", "区县级媒体报道数"],
      data,
      ["填表说明： 5月21日前，各中职学校填报此表……一并报送至邮箱112812581@qq.com。"],
    ],
    ["A1:J1", "A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:E3", "F2:F3", "G2:G3", "H2:H3", "I2:J2", "A5:J5"],
  );
}

const school = "重庆市荣昌区职业教育中心";

describe("readStatsForm", () => {
  it("reads a stats form whose header spans two merged rows", () => {
    const reading = readStatsForm(rongchang([school, null, 120, 1500, "85%", 8, 2000, 6, 3, 12]), { mediaLevels: rongchangLevels });
    expect(reading.findings).toEqual([]);
    expect(reading.rows).toHaveLength(1);
    expect(reading.rows[0]!.row).toBe(3);
    expect(reading.fields).toEqual({
      unit_name: school,
      schools_participating: null,
      teachers: 120,
      students: 1500,
      student_coverage_pct: 85,
      enterprises: 8,
      total_participants: 2000,
      activity_items: 6,
      media_reports_total: 15,
      media_reports_by_level: { 市级及以上: 3, 区县级: 12 },
    });
  });

  it("reads the Sichuan form with three levels under a 填报单位/填报人/联系电话 row", () => {
    const sheet = sheetOf(
      [
        ["2023年职业教育活动周情况统计表"],
        ["填报单位(盖章)", "成都市教育局", null, "填报人", "李华", null, null, "联系电话", "028-86111537"],
        [
          "市(州)/职业学校(含技工院校)",
          "参与活动的教师数",
          "参与活动的学生数",
          "参与活动的学生覆盖率",
          "参与活动的企业数",
          "参与总人数",
          "观摩体验活动项目数",
          "活动周媒体报道数",
        ],
        [null, null, null, null, null, null, null, "省级及以上媒体报道数", "市(州)级媒体报道数", "县(区)级媒体报道数"],
        ["四川省成都市礼仪职业中学", 210, 3200, 0.9, 15, 3600, 9, 2, 5, 11],
        ["填表说明:请各市(州)教育主管部门、各高职学校在活动周结束后一周内……"],
      ],
      ["B2:C2", "A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:E4", "F3:F4", "G3:G4", "H3:J3"],
    );
    const reading = readStatsForm(sheet, { mediaLevels: sichuanLevels });
    expect(reading.findings).toEqual([]);
    expect(reading.reporter).toEqual({ unit: "成都市教育局", name: "李华", phone: "028-86111537" });
    expect(reading.fields).toMatchObject({
      unit_name: "四川省成都市礼仪职业中学",
      teachers: 210,
      students: 3200,
      student_coverage_pct: 90,
      media_reports_total: 18,
      media_reports_by_level: { 省级及以上: 2, "市(州)级": 5, "县(区)级": 11 },
    });
  });

  it("finds moved columns and reads units, thousands separators and numbers written as text", () => {
    const sheet = sheetOf([
      [
        "序号",
        "参与总人数",
        "学校名称",
        "观摩体验活动项目数",
        "参与活动的学生数",
        "参与活动的教师数",
        "参与活动的企业数",
        "学生覆盖率",
        "区县级",
        "市级及以上",
      ],
      [1, "2,100人", "荣昌职教中心", "6个", "1500 人", "１２０", "8家", "0.85", "12篇", "3篇"],
    ]);
    const reading = readStatsForm(sheet, { mediaLevels: rongchangLevels });
    expect(reading.findings).toEqual([]);
    expect(reading.fields).toMatchObject({
      unit_name: "荣昌职教中心",
      total_participants: 2100,
      activity_items: 6,
      students: 1500,
      teachers: 120,
      enterprises: 8,
      student_coverage_pct: 85,
      media_reports_by_level: { 市级及以上: 3, 区县级: 12 },
    });
  });

  it("stores coverage written as 85%, 0.85 or 85 as 85", () => {
    for (const written of ["85%", "85 %", 0.85, "0.85", 85, "85"]) {
      const reading = readStatsForm(rongchang([school, null, 120, 1500, written, 8, 2000, 6, 3, 12]), { mediaLevels: rongchangLevels });
      expect(reading.fields?.student_coverage_pct, `written as ${written}`).toBe(85);
    }
  });

  it("reads every school of a district bureau's list and keeps the 合计 row apart", () => {
    const sheet = rongchang(["重庆市荣昌区职业教育中心", null, 120, 1500, "85%", 8, 2000, 6, 3, 12]);
    sheet.cells.splice(4, 0, ["重庆益民技工学校", null, "约80", 900, "70%", 5, 1000, 4, 1, 6], [], ["合计", 2, 200, 2400, "78%", 13, 3000, 10, 4, 18]);
    sheet.merges = sheet.merges.map((m) => (m.top >= 4 ? { ...m, top: m.top + 3, bottom: m.bottom + 3 } : m));
    const reading = readStatsForm(sheet, { mediaLevels: rongchangLevels });
    expect(reading.rows.map((r) => [r.row, r.fields.unit_name, r.fields.teachers])).toEqual([
      [3, "重庆市荣昌区职业教育中心", 120],
      [4, "重庆益民技工学校", null],
    ]);
    expect(reading.rows[0]!.findings).toEqual([]);
    expect(reading.rows[1]!.findings).toEqual([
      {
        severity: "error",
        code: "stats.not_integer",
        field: "teachers",
        message: "第5行（重庆益民技工学校）：‘参与活动的职业院校教师数’应填写整数，当前为‘约80’。请填写具体人数，如 120。",
      },
    ]);
    expect(reading.total?.fields).toMatchObject({ unit_name: "合计", schools_participating: 2, teachers: 200, media_reports_total: 22 });
    expect(reading.fields).toBe(reading.total?.fields);
    expect(reading.findings.map((f) => f.code)).toEqual(["stats.not_integer"]);
  });

  it("tells the clerk how to fix a count that is not a whole number", () => {
    const reading = readStatsForm(rongchang([school, null, "约120", 1500, "85%", 8, 2000, 6, 3, 12.5]), { mediaLevels: rongchangLevels });
    expect(reading.findings).toEqual([
      {
        severity: "error",
        code: "stats.not_integer",
        field: "teachers",
        message: "‘参与活动的职业院校教师数’应填写整数，当前为‘约120’。请填写具体人数，如 120。",
      },
      {
        severity: "error",
        code: "stats.not_integer",
        field: "media_reports_by_level.区县级",
        message: "‘区县级媒体报道数’应填写整数，当前为‘12.5’。请填写具体篇数，如 5。",
      },
    ]);
    expect(reading.fields?.teachers).toBeNull();
    expect(reading.fields?.media_reports_total).toBeNull();
  });

  it("refuses negative counts and coverage above 100%", () => {
    const reading = readStatsForm(rongchang([school, null, 120, 1500, "120%", -3, 2000, 6, 3, 12]), { mediaLevels: rongchangLevels });
    expect(reading.findings.map((f) => [f.code, f.field])).toEqual([
      ["stats.coverage_range", "student_coverage_pct"],
      ["stats.negative", "enterprises"],
    ]);
    expect(reading.findings[0]!.message).toBe(
      "‘参与活动的职业院校学生参与覆盖率’应在 0% 到 100% 之间，当前为‘120%’。请填写参与活动的学生占在校生的百分比，如 85%。",
    );
  });

  it("asks about a coverage of 1 and refuses one that is not a number", () => {
    const one = readStatsForm(rongchang([school, null, 120, 1500, 1, 8, 2000, 6, 3, 12]), { mediaLevels: rongchangLevels });
    expect(one.fields?.student_coverage_pct).toBe(1);
    expect(one.findings.map((f) => [f.severity, f.code])).toEqual([["warning", "stats.coverage_ambiguous"]]);
    const words = readStatsForm(rongchang([school, null, 120, 1500, "大部分", 8, 2000, 6, 3, 12]), { mediaLevels: rongchangLevels });
    expect(words.findings).toEqual([
      {
        severity: "error",
        code: "stats.not_percentage",
        field: "student_coverage_pct",
        message: "‘参与活动的职业院校学生参与覆盖率’应填写百分比，当前为‘大部分’。请填写具体数值，如 85%。",
      },
    ]);
  });

  it("checks that the levels add up to a total written in its own column", () => {
    const sheet = sheetOf(
      [
        ["单位", "参与活动的教师数", "参与活动的学生数", "学生参与覆盖率", "参与活动的企业数", "参与总人数", "观摩体验活动项目数", "活动周媒体报道数"],
        [null, null, null, null, null, null, null, "合计", "市级及以上", "区县级"],
        [school, 120, 1500, "85%", 8, 2000, 6, 20, 3, 12],
      ],
      ["A1:A2", "B1:B2", "C1:C2", "D1:D2", "E1:E2", "F1:F2", "G1:G2", "H1:J1"],
    );
    const reading = readStatsForm(sheet, { mediaLevels: rongchangLevels });
    expect(reading.fields?.media_reports_total).toBe(20);
    expect(reading.findings).toEqual([
      {
        severity: "error",
        code: "stats.levels_sum",
        field: "media_reports_total",
        message: "各级媒体报道数之和（市级及以上 3 + 区县级 12 = 15）与‘合计’（20）不一致。请核对后修改，使各级报道数相加等于总数。",
      },
    ]);
  });

  it("warns when total participants are fewer than teachers and students together", () => {
    const reading = readStatsForm(rongchang([school, null, 120, 1500, "85%", 8, 1000, 6, 3, 12]), { mediaLevels: rongchangLevels });
    expect(reading.findings).toEqual([
      {
        severity: "warning",
        code: "stats.total_below_parts",
        field: "total_participants",
        message: "‘参与总人数’（1000）少于教师数与学生数之和（120 + 1500 = 1620）。参与总人数应包含参与活动的教师、学生和其他人员，请核对后修改。",
      },
    ]);
  });

  it("asks for values left empty and for columns removed from the template", () => {
    const sheet = rongchang([school, null, 120, null, "85%", null, 2000, 6, 3, 12]);
    sheet.cells[1]![5] = "备注";
    const reading = readStatsForm(sheet, { mediaLevels: rongchangLevels });
    expect(reading.findings.map((f) => [f.severity, f.code, f.field])).toEqual([
      ["error", "stats.missing_column", "enterprises"],
      ["error", "stats.missing_field", "students"],
    ]);
    expect(reading.findings[1]!.message).toBe("‘参与活动的职业院校学生数’未填写。请填写具体人数；如没有，请填 0。");
  });

  it("warns about a media level the campaign does not name and asks for the one it does", () => {
    const sheet = rongchang([school, null, 120, 1500, "85%", 8, 2000, 6, 3, 12]);
    sheet.cells[2]![8] = "省级及以上媒体报道数";
    const reading = readStatsForm(sheet, { mediaLevels: rongchangLevels });
    expect(reading.findings.map((f) => [f.severity, f.code, f.field])).toEqual([
      ["error", "stats.missing_column", "media_reports_by_level.市级及以上"],
      ["warning", "stats.unknown_media_level", "media_reports_by_level"],
    ]);
  });

  it("takes the unit from 填报单位 when the unit cell is empty", () => {
    const sheet = rongchang([null, null, 120, 1500, "85%", 8, 2000, 6, 3, 12]);
    sheet.cells.splice(1, 0, ["填报单位（盖章）：重庆市荣昌区职业教育中心"]);
    sheet.merges = sheet.merges.map((m) => (m.top >= 1 ? { ...m, top: m.top + 1, bottom: m.bottom + 1 } : m));
    const reading = readStatsForm(sheet, { mediaLevels: rongchangLevels });
    expect(reading.findings).toEqual([]);
    expect(reading.fields?.unit_name).toBe(school);
  });

  it("skips empty rows, signature rows and everything below 填表说明", () => {
    const sheet = rongchang([school, null, 120, 1500, "85%", 8, 2000, 6, 3, 12]);
    sheet.cells.splice(3, 0, [null, null, "", "  "]);
    sheet.cells.push(["填报人：王芳", null, null, "联系电话：13812345678"], ["另表", 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    sheet.merges = sheet.merges.map((m) => (m.top >= 4 ? { ...m, top: m.top + 1, bottom: m.bottom + 1 } : m));
    const reading = readStatsForm(sheet, { mediaLevels: rongchangLevels });
    expect(reading.rows.map((r) => r.row)).toEqual([4]);
    expect(reading.findings).toEqual([]);
  });

  it("says so when a sheet has no stats header at all", () => {
    const reading = readStatsForm(
      sheetOf([
        ["姓名", "电话"],
        ["张三", "123"],
      ]),
      { mediaLevels: rongchangLevels },
    );
    expect(reading.fields).toBeNull();
    expect(reading.findings.map((f) => f.code)).toEqual(["stats.no_header"]);
  });

  it("says so when the template arrives with no figures", () => {
    const reading = readStatsForm(rongchang([]), { mediaLevels: rongchangLevels });
    expect(reading.rows).toEqual([]);
    expect(reading.findings.map((f) => f.code)).toEqual(["stats.no_data"]);
  });

  it("matches media levels written with full-width brackets and （篇） under a merged parent, with no total column", () => {
    const sheet = sheetOf(
      [
        [
          "学校名称",
          "参与活动的教师数",
          "参与活动的学生数",
          "学生参与覆盖率",
          "参与企业数（个）",
          "参与总人数",
          "观摩体验活动项目数",
          "活动周媒体报道数（篇）",
        ],
        [null, null, null, null, null, null, null, "省级及以上媒体报道数（篇）", "市（州）级媒体报道数（篇）", "县（区）级\n媒体报道数"],
        [null, "人", "人", "%", "个", "人", "项", "篇", "篇", "篇"],
        ["四川工程职业技术大学", "120", "1500", "85%", "8", "2000", "6", "2", "5篇", "9"],
      ],
      ["A1:A2", "B1:B2", "C1:C2", "D1:D2", "E1:E2", "F1:F2", "G1:G2", "H1:J1"],
    );
    const reading = readStatsForm(sheet, { mediaLevels: sichuanLevels });
    expect(reading.findings).toEqual([]);
    expect(reading.rows.map((r) => r.row)).toEqual([3]);
    expect(reading.fields).toMatchObject({ teachers: 120, media_reports_total: 16, media_reports_by_level: { 省级及以上: 2, "市(州)级": 5, "县(区)级": 9 } });
  });
});
