import { describe, expect, it } from "vitest";
import { fileSummary } from "./file-summary.ts";

const base = { classifiedBy: "content:title" };

describe("fileSummary", () => {
  it("tells the clerk a report's title, length and pictures (what is missing is a finding)", () => {
    const lines = fileSummary({
      ...base,
      report: { title: "益民技校活动周工作总结", charCount: 1820, imageCount: 2, missingSections: ["媒体宣传情况", "存在问题及建议"] },
    });
    expect(lines).toEqual(["标题：益民技校活动周工作总结", "正文约 1820 字，图片 2 张"]);
  });

  it("gives a photo's size and date taken, and a video's length", () => {
    expect(fileSummary({ ...base, media: { format: "heic", width: 4032, height: 3024, takenAt: "2022-05-17 16:45:10" } })).toEqual([
      "HEIC，4032×3024，拍摄于 2022-05-17 16:45",
    ]);
    expect(fileSummary({ ...base, media: { format: "mp4", width: 1920, height: 1080, durationSeconds: 95 } })).toEqual(["MP4，1920×1080，时长 1 分 35 秒"]);
  });

  it("says a stamped scan was kept as the signed copy of the form beside it", () => {
    const lines = fileSummary({ classifiedBy: "signed_copy:盘龙职中情况统计表.xlsx", signedCopyOf: 0, pdf: { pages: 1, textChars: 0 } });
    expect(lines).toEqual(["已作为“盘龙职中情况统计表.xlsx”的盖章签字件存档（PDF，1 页）；表中数据以 Excel 版本为准。"]);
  });

  it("says a scan without a form beside it is kept as it is", () => {
    expect(fileSummary({ ...base, pdf: { pages: 3, textChars: 0 } })).toEqual(["PDF 扫描件，3 页（无文字层，已原样存档）"]);
  });
});
