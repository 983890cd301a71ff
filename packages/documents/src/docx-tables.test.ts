import { describe, expect, it } from "vitest";
import { cellText, rowCount } from "@baosong/core";
import { readDocxTables } from "./docx-tables.ts";

const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';
const p = (text: string) => `<w:p><w:r><w:t>${text}</w:t></w:r></w:p>`;
const tc = (body: string, props = "") => `<w:tc><w:tcPr>${props}</w:tcPr>${body}</w:tc>`;
const tr = (...cells: string[]) => `<w:tr>${cells.join("")}</w:tr>`;
const tbl = (...rows: string[]) => `<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/><w:gridCol/></w:tblGrid>${rows.join("")}</w:tbl>`;
const doc = (body: string) => `<w:document ${W}><w:body>${body}</w:body></w:document>`;
const rows = (sheet: Parameters<typeof rowCount>[0]) => Array.from({ length: rowCount(sheet) }, (_, r) => [0, 1, 2].map((c) => cellText(sheet, r, c)));

describe("readDocxTables", () => {
  it("reads merges across (w:gridSpan) and down (w:vMerge), a cell's paragraphs as lines, and the lines around the table", () => {
    const [sheet] = readDocxTables(
      doc(
        p("附件2") +
          tbl(
            tr(tc(p("单位"), '<w:vMerge w:val="restart"/>'), tc(p("活动周媒体报道数"), '<w:gridSpan w:val="2"/>')),
            tr(tc("<w:p/>", "<w:vMerge/>"), tc(p("市级及以上")), tc(p("区县级"))),
            tr(tc(p("荣昌职教中心") + p("（盖章）")), tc(p("5")), tc(p("17"))),
          ) +
          p("填表说明：请于5月21日前报送。"),
      ),
    );
    expect(rows(sheet!)).toEqual([
      ["附件2", "", ""],
      ["单位", "活动周媒体报道数", "活动周媒体报道数"],
      ["单位", "市级及以上", "区县级"],
      ["荣昌职教中心\n（盖章）", "5", "17"],
      ["填表说明：请于5月21日前报送。", "", ""],
    ]);
    expect(sheet!.merges).toEqual(
      expect.arrayContaining([
        { top: 1, left: 0, bottom: 2, right: 0 },
        { top: 1, left: 1, bottom: 1, right: 2 },
      ]),
    );
  });

  it("joins a table continued after a page break or a 续表 line, without its repeated header", () => {
    const header = tr(tc(p("序号")), tc(p("特色活动名称")), tc(p("时间")));
    const sheets = readDocxTables(
      doc(
        tbl(header, tr(tc(p("1")), tc(p("开放日")), tc(p("5月16日")))) +
          '<w:p><w:r><w:br w:type="page"/></w:r></w:p>' +
          p("续表") +
          tbl(header, tr(tc(p("2")), tc(p("技能展示")), tc(p("5/17")))),
      ),
    );
    expect(sheets).toHaveLength(1);
    expect(rows(sheets[0]!)).toEqual([
      ["序号", "特色活动名称", "时间"],
      ["1", "开放日", "5月16日"],
      ["2", "技能展示", "5/17"],
    ]);
  });

  it("keeps two tables apart when text stands between them", () => {
    const t = tbl(tr(tc(p("a")), tc(p("b")), tc(p("c"))));
    expect(readDocxTables(doc(t + p("二、统计表") + t))).toHaveLength(2);
  });

  it("lists a table nested in a cell first, with the frame's title lines, and keeps its text in the outer cell", () => {
    const inner = tbl(tr(tc(p("联系人")), tc(p("职务")), tc(p("手机"))), tr(tc(p("张三")), tc(p("主任")), tc(p("13800000000"))));
    const [first, frame] = readDocxTables(doc(`${p("信息采集表")}<w:tbl><w:tblGrid><w:gridCol/></w:tblGrid>${tr(tc(`${inner}<w:p/>`))}</w:tbl>`));
    expect(rows(first!)).toEqual([
      ["信息采集表", "", ""],
      ["联系人", "职务", "手机"],
      ["张三", "主任", "13800000000"],
    ]);
    expect(cellText(frame!, 1, 0)).toBe("联系人 职务 手机\n张三 主任 13800000000");
  });

  it("reads Word 2003's w:hMerge like w:gridSpan", () => {
    const [sheet] = readDocxTables(
      doc(
        tbl(tr(tc(p("活动周初步考虑")), tc(p("开放日…"), '<w:hMerge w:val="restart"/>'), tc("<w:p/>", "<w:hMerge/>")), tr(tc(p("a")), tc(p("b")), tc(p("c")))),
      ),
    );
    expect(sheet!.merges).toEqual([{ top: 0, left: 1, bottom: 0, right: 2 }]);
  });

  it("leaves out a table of hundreds of thousands of empty cells rather than laying it on a grid", () => {
    const row = `<w:tr>${"<w:tc><w:p/></w:tc>".repeat(1000)}</w:tr>`;
    expect(readDocxTables(doc(`<w:tbl>${row.repeat(201)}</w:tbl>`))).toEqual([]);
  });
});
