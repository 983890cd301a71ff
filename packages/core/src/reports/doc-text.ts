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
}
