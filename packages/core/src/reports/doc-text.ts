import type { Sheet } from "../forms/sheet.ts";

/**
 * The text of a word-processing document as the report readers want it: paragraphs in
 * reading order (table cells included), which of them look like headings, and how many
 * pictures the body shows. The documents package builds it from a .docx; core only reads it.
 */
export interface DocParagraph {
  text: string;
  /** A heading style or outline level, or a short line set entirely in bold. */
  heading: boolean;
}

export interface DocText {
  paragraphs: DocParagraph[];
  /** Pictures placed in the body (not image files merely present in the package). */
  imageCount: number;
  /**
   * The document's tables as sheets, as the form readers read a workbook: a Word table (or a
   * PDF's ruled table) with its merged cells, the lines just above and below it as rows of
   * their own (附件1, 填报单位（盖章）, 填表说明), a table continued after a page break joined.
   */
  tables?: Sheet[];
}
