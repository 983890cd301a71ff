import { describe, expect, it } from "vitest";
import type { FileUnderstanding } from "./file-understanding.ts";
import { markSignedCopies } from "./signed-copy.ts";

type File = FileUnderstanding & { position: number; filename: string };
const file = (position: number, filename: string, o: Partial<File>): File => ({
  position,
  filename,
  kind: "other",
  classifiedBy: "no_rule_matched",
  parseStatus: "kept",
  findings: [],
  unitNames: [],
  ...o,
});
const statsSheet = file(0, "情况统计表.xlsx", { kind: "stats_form", classifiedBy: "content:sheet_header:参与活动的教师数", parseStatus: "parsed" });
const infoSheet = file(1, "采集表.xlsx", { kind: "info_form", classifiedBy: "content:sheet_header:联系人", parseStatus: "parsed" });
const scan = (filename: string, kind: File["kind"] = "other") => file(5, filename, { kind, pdf: { pages: 1, textChars: 0 } });

describe("markSignedCopies", () => {
  it("keeps a scan beside the only form in the mail as that form's signed copy", () => {
    const [, copy] = markSignedCopies([statsSheet, scan("扫描件.pdf")]);
    expect(copy).toMatchObject({ kind: "stats_form", classifiedBy: "signed_copy:情况统计表.xlsx", parseStatus: "kept", signedCopyOf: 0, findings: [] });
  });

  it("uses the PDF's name to choose between two forms, and takes a text PDF named as a form too", () => {
    const files = markSignedCopies([
      statsSheet,
      infoSheet,
      file(5, "信息采集表（盖章）.pdf", { kind: "info_form", classifiedBy: "filename:信息采集", pdf: { pages: 1, textChars: 240 } }),
    ]);
    expect(files[2]).toMatchObject({ kind: "info_form", signedCopyOf: 1 });
  });

  it("does not guess between two forms for an unnamed scan", () => {
    const files = markSignedCopies([statsSheet, infoSheet, scan("scan0001.pdf")]);
    expect(files[2]).toMatchObject({ kind: "other", parseStatus: "kept" });
    expect(files[2]!.signedCopyOf).toBeUndefined();
  });

  it("leaves a scanned report alone: its name says what it is", () => {
    const files = markSignedCopies([statsSheet, scan("活动周工作总结.pdf", "summary_report")]);
    expect(files[1]).toMatchObject({ kind: "summary_report" });
    expect(files[1]!.signedCopyOf).toBeUndefined();
  });

  it("asks for the Excel version when a form arrives only as PDF", () => {
    const [only] = markSignedCopies([scan("情况统计表.pdf", "stats_form")]);
    expect(only).toMatchObject({ kind: "stats_form", parseStatus: "kept" });
    expect(only!.findings.map((f) => [f.severity, f.code])).toEqual([["warning", "form_pdf_only"]]);
    expect(only!.findings[0]!.message).toContain("Excel");
  });

  it("does not take a form read from a PDF for the sheet", () => {
    const files = markSignedCopies([scan("扫描件.pdf")]);
    expect(files[0]).toMatchObject({ kind: "other" });
  });

  it("takes a stamped text PDF beside a Word-table form for its signed copy, without filing its rows again", () => {
    const word = file(0, "信息采集表.docx", { kind: "info_form", classifiedBy: "content:sheet_header:联系人", parseStatus: "parsed" });
    const pdfForm = file(1, "信息采集表（盖章）.pdf", {
      kind: "info_form",
      classifiedBy: "content:sheet_header:联系人",
      parseStatus: "parsed",
      pdf: { pages: 1, textChars: 300 },
      infoForm: {} as never,
    });
    const [, copy] = markSignedCopies([word, pdfForm]);
    expect(copy).toMatchObject({ kind: "info_form", parseStatus: "kept", signedCopyOf: 0 });
    expect(copy!.infoForm).toBeUndefined();
  });

  it("keeps a text PDF whose table was read as the form as that form when it comes alone", () => {
    const pdfForm = file(1, "一览表.pdf", {
      kind: "featured_list",
      classifiedBy: "content:sheet_header:序号",
      parseStatus: "parsed",
      pdf: { pages: 1, textChars: 300 },
      featured: [],
    });
    expect(markSignedCopies([pdfForm])[0]).toEqual(pdfForm);
  });
});
