import { describe, expect, it } from "vitest";
import { readInfoForm } from "./info-form.ts";
import { sheetOf } from "./sheet-builder.ts";
import type { SheetValue } from "./sheet.ts";

const limits = { planTextMax: 300, featuredTextMax: 200 };
const plan = "5月15日至21日举办校园开放日、技能展示和职业体验活动，面向家长和社区居民开放实训基地。";
const featured = "“技能服务美好生活”志愿服务：师生走进社区开展家电维修和健康护理服务。";

/** The 2022 Rongchang 信息采集表: a row of labels over a row of values, then label-left texts. */
function rongchang(values: SheetValue[], planCell: SheetValue = plan, featuredCell: SheetValue = featured) {
  return sheetOf(
    [
      ["2022年职业教育活动周信息采集表"],
      ["中职学校", "联系人", "职务", "手机", "QQ号", "专题网站（专栏）链接地址"],
      values,
      ["活动周\n初步考虑\n（300字以内）", planCell],
      ["特色活动简介（200字以内）", featuredCell],
      ["填报说明：5月13日前，各中职学校填写此表，并报送至邮箱112812581@qq.com。"],
    ],
    ["A1:F1", "B4:F4", "B5:F5", "A6:F6"],
  );
}

const contact = ["重庆市荣昌区职业教育中心", "张老师", "办公室主任", "13812345678", 112812581, "https://www.rczj.cn/zt/2022/"];

describe("readInfoForm", () => {
  it("reads the Rongchang layout: labels above the contact row, left of the texts", () => {
    const reading = readInfoForm(rongchang(contact), limits);
    expect(reading.findings).toEqual([]);
    expect(reading.fields).toEqual({
      unit_name: "重庆市荣昌区职业教育中心",
      contact_name: "张老师",
      contact_title: "办公室主任",
      mobile: "13812345678",
      qq: "112812581",
      website_url: "https://www.rczj.cn/zt/2022/",
      plan_text: plan,
      featured_text: featured,
      filler_name: null,
      filler_phone: null,
    });
  });

  it("reads the Sichuan layout with 填报人, 00号 and the hint row kept above each text", () => {
    const sheet = sheetOf(
      [
        ["2023年职业教育活动周信息采集表"],
        ["填报单位(盖章)", "四川省成都市礼仪职业中学", null, "填报人", "李华", "联系电话", "028-86111537"],
        ["市(州)/职业(含 技工)学校", "联系人", "职务", "手机", "00号", "专题网站(专栏)链接地址"],
        ["四川省成都市礼仪职业中学", "王芳", "教务处长", "139 8000 1234", "12345678", "http://www.cdly.cn/hdz"],
        ["活动周工作计划(300字以内)", "主要包含计划的举办时间、活动形式和内容等。"],
        [null, plan],
        ["特色活动简介(300 字以内)", "主要包含特色活动名称、活动内容与形式、开展时间和预期成效等。"],
        [null, featured],
      ],
      ["A1:G1", "B2:C2", "A5:A6", "B5:G5", "B6:G6", "A7:A8", "B7:G7", "B8:G8"],
    );
    const reading = readInfoForm(sheet, { planTextMax: 300, featuredTextMax: 300 });
    expect(reading.findings).toEqual([]);
    expect(reading.fields).toEqual({
      unit_name: "四川省成都市礼仪职业中学",
      contact_name: "王芳",
      contact_title: "教务处长",
      mobile: "13980001234",
      qq: "12345678",
      website_url: "http://www.cdly.cn/hdz",
      plan_text: plan,
      featured_text: featured,
      filler_name: "李华",
      filler_phone: "028-86111537",
    });
  });

  it("reads a text written after the template's hint in the same cell", () => {
    const reading = readInfoForm(rongchang(contact, `主要包含初步计划的举办时间、活动形式和内容等。\n${plan}`), limits);
    expect(reading.fields.plan_text).toBe(plan);
  });

  it("treats the hint left alone as an empty plan", () => {
    const reading = readInfoForm(rongchang(contact, "主要包含初步计划的举办时间、活动形式和内容等。"), limits);
    expect(reading.fields.plan_text).toBeNull();
    expect(reading.findings).toEqual([
      {
        severity: "error",
        code: "info.missing_field",
        field: "plan_text",
        message: "未填写‘活动周初步考虑’。请填写活动周的初步计划（举办时间、活动形式和内容等）后重新发送。",
      },
    ]);
  });

  it("explains a bad mobile, QQ number and URL and an over-long plan", () => {
    const values = ["重庆市荣昌区职业教育中心", "张老师", "办公室主任", "023-46780000", "0123456", "rczj.cn/zt"];
    const reading = readInfoForm(rongchang(values, "计".repeat(301)), limits);
    expect(reading.findings).toEqual([
      {
        severity: "error",
        code: "info.mobile_invalid",
        field: "mobile",
        message: "‘手机’应为 11 位手机号码（以 13–19 开头），当前为‘023-46780000’。请填写联系人的手机号码，如 13812345678。",
      },
      {
        severity: "error",
        code: "info.qq_invalid",
        field: "qq",
        message: "‘QQ号’应为 5–11 位数字且不以 0 开头，当前为‘0123456’。请填写联系人的QQ号码，如 112812581。",
      },
      {
        severity: "error",
        code: "info.url_invalid",
        field: "website_url",
        message:
          "‘专题网站（专栏）链接地址’应为以 http:// 或 https:// 开头的网址，当前为‘rczj.cn/zt’。请打开专题网站或专栏，复制浏览器地址栏中的完整网址填入，如 https://www.example.edu.cn/zt/。",
      },
      {
        severity: "error",
        code: "info.plan_too_long",
        field: "plan_text",
        message: "‘活动周初步考虑’共 301 字，超过了 300 字的限制。请精简到 300 字以内后重新发送。",
      },
    ]);
    expect(reading.fields.mobile).toBe("023-46780000");
  });

  it("accepts a bare www. address with a warning that suggests the full form", () => {
    const reading = readInfoForm(rongchang([...contact.slice(0, 5), "www.rczj.cn"]), limits);
    expect(reading.fields.website_url).toBe("www.rczj.cn");
    expect(reading.findings).toEqual([
      {
        severity: "warning",
        code: "info.url_without_scheme",
        field: "website_url",
        message: "‘专题网站（专栏）链接地址’缺少开头的 http:// 或 https://，当前为‘www.rczj.cn’。网址已收到；建议今后填写完整网址，如 http://www.rczj.cn。",
      },
    ]);
  });

  it("counts the featured text against the campaign's own limit", () => {
    const long = "特".repeat(250);
    expect(readInfoForm(rongchang(contact, plan, long), limits).findings.map((f) => f.code)).toEqual(["info.featured_too_long"]);
    expect(readInfoForm(rongchang(contact, plan, long), { planTextMax: 300, featuredTextMax: 300 }).findings).toEqual([]);
  });

  it("asks for required fields and warns about recommended ones left empty", () => {
    const reading = readInfoForm(rongchang(["重庆市荣昌区职业教育中心", null, null, null, "无", null], plan, null), limits);
    expect(reading.findings.map((f) => [f.severity, f.field])).toEqual([
      ["error", "contact_name"],
      ["error", "mobile"],
      ["warning", "contact_title"],
      ["warning", "qq"],
      ["warning", "website_url"],
      ["warning", "featured_text"],
    ]);
  });

  it("reads labels written with their value in one cell", () => {
    const sheet = sheetOf([["学校：荣昌职教中心"], ["联系人：张老师"], ["手机：13812345678"], ["QQ：112812581"], [`工作计划：${plan}`]]);
    expect(readInfoForm(sheet, limits).fields).toMatchObject({
      unit_name: "荣昌职教中心",
      contact_name: "张老师",
      mobile: "13812345678",
      qq: "112812581",
      plan_text: plan,
    });
  });

  it("says so when a sheet has none of the form's labels", () => {
    const reading = readInfoForm(
      sheetOf([
        ["序号", "姓名"],
        [1, "张三"],
      ]),
      limits,
    );
    expect(reading.findings.map((f) => f.code)).toEqual(["info.no_labels"]);
  });

  it("reads headers as clerks reword them, and never takes a header cell for a value", () => {
    const sheet = sheetOf([
      ["附件1"],
      ["2022年职业教育活动周信息采集表"],
      ["填报单位（盖章）：", null, null, "填报日期：2022年5月12日"],
      ["学校名称", "联系人姓名", "联系人职务", "联系电话（手机）", "ＱＱ号码", "专栏网址", "电子邮箱"],
      ["重庆益民技工学校", "李建国", null, "138 1234 5678", "112812581", "https://www.ymjg.cn/hdz/", "112812581@qq.com"],
      ["活动周工作计划(300字以内)", plan],
      ["特色活动简介", featured],
    ]);
    const { fields, findings } = readInfoForm(sheet, limits);
    expect(fields).toMatchObject({
      unit_name: "重庆益民技工学校",
      contact_name: "李建国",
      contact_title: null,
      mobile: "13812345678",
      qq: "112812581",
      website_url: "https://www.ymjg.cn/hdz/",
      plan_text: plan,
      featured_text: featured,
      filler_phone: null,
    });
    expect(findings.map((f) => [f.code, f.field])).toEqual([["info.missing_field", "contact_title"]]);
  });
});
