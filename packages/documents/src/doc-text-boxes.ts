import type { DocText } from "@baosong/core";
import iconv from "iconv-lite";

/** A run of the document's characters stored together (doc.ts reads them from the piece table). */
export interface Piece {
  cpStart: number;
  cpEnd: number;
  /** Byte offset of the piece's first character in the WordDocument stream. */
  offset: number;
  compressed: boolean;
}

/** How doc.ts turns a story's characters into paragraphs, given the position of its first one. */
export type StorySplitter = (text: string, firstCp: number, maxChars: number) => DocText;

/** Where the stories after the main text begin: [MS-DOC] FibRgLw97 counts, by index. */
const LW_CCP_TEXT = 3;
const LW_CCP_FTN = 4;
const LW_CCP_HDD = 5;
const LW_CCP_ATN = 7;
const LW_CCP_EDN = 8;
const LW_CCP_TXBX = 9;

/**
 * Adds the text of the document's text boxes to its paragraphs. Word keeps them in a story of
 * their own after the main text, footnotes, headers, comments and endnotes ([MS-DOC] §2.3.6);
 * clerks put titles and captions there (the .docx reader reads w:txbxContent in place).
 * The characters count against the same limit as the body's.
 */
export function withTextBoxes(body: DocText, word: Buffer, rgLw: number, pieces: readonly Piece[], split: StorySplitter, maxChars: number): DocText {
  const lw = (i: number) => word.readInt32LE(rgLw + i * 4);
  const start = [LW_CCP_TEXT, LW_CCP_FTN, LW_CCP_HDD, LW_CCP_ATN, LW_CCP_EDN].reduce((n, i) => n + Math.max(0, lw(i)), 0);
  const length = lw(LW_CCP_TXBX);
  if (length <= 0 || start + length > (pieces.at(-1)?.cpEnd ?? 0)) return body;
  const used = body.paragraphs.reduce((n, p) => n + p.text.length, 0);
  const boxes = split(storyText(word, pieces, start, start + length), start, Math.max(0, maxChars - used));
  const paragraphs = boxes.paragraphs.filter((p) => p.text.trim() !== "");
  return { paragraphs: [...body.paragraphs, ...paragraphs], imageCount: body.imageCount + boxes.imageCount };
}

/** Characters [from, to) of the document, across the pieces that hold them. */
function storyText(word: Buffer, pieces: readonly Piece[], from: number, to: number): string {
  const parts: string[] = [];
  for (const p of pieces) {
    if (p.cpEnd <= from || p.cpStart >= to) continue;
    const a = Math.max(from, p.cpStart) - p.cpStart;
    const b = Math.min(to, p.cpEnd) - p.cpStart;
    const width = p.compressed ? 1 : 2;
    const bytes = word.subarray(p.offset + a * width, p.offset + b * width);
    parts.push(p.compressed ? iconv.decode(bytes, "cp1252") : bytes.toString("utf16le"));
  }
  return parts.join("");
}
