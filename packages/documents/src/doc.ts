import type { Readable } from "node:stream";
import type { DocParagraph, DocText } from "@baosong/core";
import iconv from "iconv-lite";
import { openCompoundFile } from "./cfb.ts";
import { withDocTables } from "./doc-tables.ts";
import { DocTooLargeError, EncryptedDocumentError, OldFormatError, OleUnreadableError } from "./errors.ts";
import { FieldNesting } from "./doc-fields.ts";
import { type PropertyRun, runAt } from "./doc-property-runs.ts";
import { readAllBounded } from "./read-all.ts";
import { withTextBoxes, type Piece } from "./doc-text-boxes.ts";

export interface DocLimits {
  /** The most characters of text the document may hold (a real report has a few thousand). */
  maxChars: number;
  /** The most bytes the file may take; 64 MiB by default. */
  maxUnpackedBytes?: number;
}

const defaultMaxUnpackedBytes = 64 * 1024 * 1024;
/** As in docx.ts: a bold line longer than this is emphasis in the text, not a heading. */
const BOLD_HEADING_MAX = 40;

/** [MS-DOC] FibBase.wIdent; nFib 0x00C1 is Word 97, which every later version keeps in FibBase. */
const WORD_IDENT = 0xa5ec;
const NFIB_WORD97 = 0x00c1;
const F_ENCRYPTED = 0x0100;
const F_WHICH_TBL_STM = 0x0200;
// Indexes of (fc, lcb) pairs in FibRgFcLcb97.
const FC_STSHF = 1;
const FC_PLCF_BTE_CHPX = 12;
const FC_PLCF_BTE_PAPX = 13;
const FC_CLX = 33;

// Sprms read here: table-row ends (dropped like Word's row mark), outline level, bold.
const SPRM_P_F_TTP = 0x2417;
const SPRM_P_F_INNER_TTP = 0x244c;
const SPRM_P_OUT_LVL = 0x2640;
const SPRM_C_F_BOLD = 0x0835;
const SPRM_T_DEF_TABLE = 0xd608;

interface Style {
  sti: number;
  name: string;
}

/**
 * Reads the main text of a Word 97–2003 .doc, or a WPS Writer .wps saved in Word's binary
 * format: paragraphs in order (table cells one each, row ends dropped), field results without
 * their codes, which paragraphs are headings (a heading style, an outline level, or a short line
 * set all in bold, as docx.ts decides), and the inline pictures and drawn objects in the body.
 * Text boxes are read after the body (doc-text-boxes.ts); footnotes and headers are not. Throws DocTooLargeError or
 * OleUnreadableError (not a compound file, encrypted, Word 6/95, damaged).
 */
export async function readDoc(input: Buffer | Readable, limits: DocLimits): Promise<DocText> {
  const budget = limits.maxUnpackedBytes ?? defaultMaxUnpackedBytes;
  const buf = Buffer.isBuffer(input) ? input : await collect(input, budget);
  if (buf.length > budget) throw new DocTooLargeError("bytes", budget);
  const file = openCompoundFile(buf);
  const word = file.stream("WordDocument");
  if (!word) throw new OleUnreadableError("not a Word document: the compound file has no WordDocument stream");
  try {
    return readWordDocument(word, (name) => file.stream(name), limits.maxChars);
  } catch (err) {
    // A structure shorter than its fields makes Buffer reads throw RangeError: the file is damaged.
    if (err instanceof RangeError) throw new OleUnreadableError(`a Word structure is damaged: ${err.message}`, { cause: err });
    throw err;
  }
}

const collect = (stream: Readable, maxBytes: number) => readAllBounded(stream, maxBytes, () => new DocTooLargeError("bytes", maxBytes));

function readWordDocument(word: Buffer, stream: (name: string) => Buffer | null, maxChars: number): DocText {
  if (word.length < 0x22 || word.readUInt16LE(0) !== WORD_IDENT) throw new OleUnreadableError("the WordDocument stream has no Word FIB");
  if (word.readUInt16LE(2) < NFIB_WORD97) throw new OldFormatError("a Word 6/95 document: only Word 97 and later can be read");
  const flags = word.readUInt16LE(0x0a);
  if (flags & F_ENCRYPTED) throw new EncryptedDocumentError("the document is encrypted (password protected); it cannot be read without the password");
  const tableName = flags & F_WHICH_TBL_STM ? "1Table" : "0Table";
  const table = stream(tableName);
  if (!table) throw new OleUnreadableError(`the document has no ${tableName} stream`);

  // FibBase (32 bytes), then three arrays each led by its count: fibRgW, fibRgLw, fibRgFcLcb.
  const csw = word.readUInt16LE(0x20);
  const rgLw = 0x22 + csw * 2 + 2;
  const cslw = word.readUInt16LE(rgLw - 2);
  const rgFcLcb = rgLw + cslw * 4 + 2;
  const pairs = word.readUInt16LE(rgFcLcb - 2);
  const ccpText = word.readInt32LE(rgLw + 12);
  const blob = (index: number): Buffer | null => {
    if (index >= pairs) return null;
    const fc = word.readUInt32LE(rgFcLcb + index * 8);
    const lcb = word.readUInt32LE(rgFcLcb + index * 8 + 4);
    if (lcb === 0) return null;
    if (fc + lcb > table.length) throw new OleUnreadableError(`a FIB pointer (index ${index}) lies past the end of ${tableName}`);
    return table.subarray(fc, fc + lcb);
  };

  const clx = blob(FC_CLX);
  if (!clx) throw new OleUnreadableError("the document has no piece table (CLX)");
  const pieces = readPieces(clx, word.length);
  if (ccpText < 0 || ccpText > (pieces.at(-1)?.cpEnd ?? 0)) throw new OleUnreadableError("the text length (ccpText) exceeds the piece table");
  const text = mainText(word, pieces, ccpText);
  const fcOf = (cp: number): number => {
    let lo = 0;
    let hi = pieces.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (pieces[mid]!.cpStart <= cp) lo = mid;
      else hi = mid - 1;
    }
    const p = pieces[lo]!;
    return p.offset + (cp - p.cpStart) * (p.compressed ? 1 : 2);
  };
  const papx = propertyRuns(blob(FC_PLCF_BTE_PAPX), word, "papx");
  const chpx = propertyRuns(blob(FC_PLCF_BTE_CHPX), word, "chpx");
  const styles = readStyles(blob(FC_STSHF));
  const props = { fcOf, papx, chpx, styles };
  const story = (chars: string, firstCp: number, max: number) => splitParagraphs(chars, { ...props, fcOf: (cp) => fcOf(cp + firstCp) }, max);
  const body = withDocTables(splitParagraphs(text, props, maxChars), text, props, stream("Data"));
  return withTextBoxes(body, word, rgLw, pieces, story, maxChars);
}

/**
 * The CLX: Prc entries (property modifiers, skipped), then the Pcdt whose PlcPcd maps character
 * positions to where each piece's text sits: 8-bit (cp1252) at fc/2 when bit 30 is set, else UTF-16LE at fc.
 */
function readPieces(clx: Buffer, streamLength: number): Piece[] {
  let p = 0;
  while (p < clx.length && clx[p] === 0x01) p += 3 + clx.readInt16LE(p + 1);
  if (clx[p] !== 0x02) throw new OleUnreadableError("the piece table (Pcdt) is missing from the CLX");
  const lcb = clx.readUInt32LE(p + 1);
  const plc = clx.subarray(p + 5, p + 5 + lcb);
  if (plc.length !== lcb || (lcb - 4) % 12 !== 0) throw new OleUnreadableError("the piece table is cut short");
  const n = (lcb - 4) / 12;
  const pieces: Piece[] = [];
  for (let i = 0; i < n; i++) {
    const cpStart = plc.readUInt32LE(i * 4);
    const cpEnd = plc.readUInt32LE(i * 4 + 4);
    const fc = plc.readUInt32LE((n + 1) * 4 + i * 8 + 2);
    const compressed = (fc & 0x40000000) !== 0;
    const offset = compressed ? (fc & 0x3fffffff) / 2 : fc;
    const bytes = (cpEnd - cpStart) * (compressed ? 1 : 2);
    if (cpEnd < cpStart || cpStart !== (pieces.at(-1)?.cpEnd ?? 0) || offset + bytes > streamLength) {
      throw new OleUnreadableError(`piece ${i} of the piece table lies outside the document`);
    }
    pieces.push({ cpStart, cpEnd, offset, compressed });
  }
  return pieces;
}

/** Characters 0..ccpText (the main document; footnotes, headers and text boxes follow it). */
function mainText(word: Buffer, pieces: Piece[], ccpText: number): string {
  const parts: string[] = [];
  for (const p of pieces) {
    if (p.cpStart >= ccpText) break;
    const count = Math.min(p.cpEnd, ccpText) - p.cpStart;
    const bytes = word.subarray(p.offset, p.offset + count * (p.compressed ? 1 : 2));
    parts.push(p.compressed ? iconv.decode(bytes, "cp1252") : bytes.toString("utf16le"));
  }
  return parts.join("");
}

/**
 * Paragraph (PAPX) or character (CHPX) properties: the PlcBte lists 512-byte FKP pages in the
 * WordDocument stream, each mapping FC runs to a grpprl (and, for paragraphs, a style index).
 */
function propertyRuns(plcBte: Buffer | null, word: Buffer, kind: "papx" | "chpx"): PropertyRun[] {
  if (!plcBte || plcBte.length < 12) return [];
  const n = Math.floor((plcBte.length - 4) / 8);
  const runs: PropertyRun[] = [];
  for (let i = 0; i < n; i++) {
    const page = (plcBte.readUInt32LE((n + 1) * 4 + i * 4) & 0x3fffff) * 512;
    if (page + 512 > word.length) throw new OleUnreadableError(`an FKP page (${kind}) lies past the end of WordDocument`);
    const fkp = word.subarray(page, page + 512);
    const crun = fkp[511]!;
    if ((crun + 1) * 4 + crun * (kind === "papx" ? 13 : 1) > 511) throw new OleUnreadableError(`a damaged FKP page (${kind})`);
    for (let r = 0; r < crun; r++) {
      const run: PropertyRun = { fcStart: fkp.readUInt32LE(r * 4), fcEnd: fkp.readUInt32LE(r * 4 + 4), istd: 0, grpprl: Buffer.alloc(0) };
      const at = fkp[(crun + 1) * 4 + r * (kind === "papx" ? 13 : 1)]! * 2;
      if (at > 0 && kind === "chpx") run.grpprl = fkp.subarray(at + 1, Math.min(511, at + 1 + fkp[at]!));
      if (at > 0 && kind === "papx") {
        // cb counts words; 0 means the next byte does, and the istd then starts a byte later.
        const [start, size] = fkp[at] ? [at + 1, fkp[at]! * 2 - 1] : [at + 2, fkp[at + 1]! * 2];
        const data = fkp.subarray(start, Math.min(511, start + size));
        if (data.length >= 2) {
          run.istd = data.readUInt16LE(0);
          run.grpprl = data.subarray(2);
        }
      }
      runs.push(run);
    }
  }
  return runs.sort((a, b) => a.fcStart - b.fcStart);
}

/** A sprm's one-byte operand in a grpprl, or null when absent; stops at anything it cannot size. */
function sprmByte(grpprl: Buffer, wanted: number): number | null {
  let found: number | null = null;
  for (let p = 0; p + 2 <= grpprl.length; ) {
    const sprm = grpprl.readUInt16LE(p);
    const spra = sprm >> 13;
    let size = [1, 1, 2, 4, 2, 2, 0, 3][spra]!;
    if (spra === 6) {
      if (p + 3 > grpprl.length) break;
      size = sprm === SPRM_T_DEF_TABLE ? grpprl.readUInt16LE(p + 2) + 1 : grpprl[p + 2]! + 1;
      if (grpprl[p + 2] === 255 && sprm !== SPRM_T_DEF_TABLE) break;
    }
    if (sprm === wanted && p + 3 <= grpprl.length) found = grpprl[p + 2]!;
    p += 2 + size;
  }
  return found;
}

/** The stylesheet (STSH): for each style index, its built-in identifier (sti) and name. */
function readStyles(stsh: Buffer | null): Style[] {
  if (!stsh || stsh.length < 6) return [];
  const cbStshi = stsh.readUInt16LE(0);
  const count = Math.min(stsh.readUInt16LE(2), 4096);
  const baseSize = stsh.readUInt16LE(4);
  const styles: Style[] = [];
  for (let i = 0, p = 2 + cbStshi; i < count && p + 2 <= stsh.length; i++) {
    const cb = stsh.readUInt16LE(p);
    const std = stsh.subarray(p + 2, p + 2 + cb);
    p += 2 + cb;
    if (cb < 2 || std.length < baseSize + 2) {
      styles.push({ sti: 0x0ffe, name: "" });
      continue;
    }
    const cch = std.readUInt16LE(baseSize);
    styles.push({ sti: std.readUInt16LE(0) & 0x0fff, name: std.toString("utf16le", baseSize + 2, Math.min(std.length, baseSize + 2 + cch * 2)) });
  }
  return styles;
}

export interface Properties {
  fcOf: (cp: number) => number;
  papx: PropertyRun[];
  chpx: PropertyRun[];
  styles: Style[];
}

/** Built-in style identifiers 1–9 are “heading 1”–“heading 9”; 62 is “Title”. */
function isHeadingStyle(style: Style | undefined): boolean {
  if (!style) return false;
  return (style.sti >= 1 && style.sti <= 9) || style.sti === 62 || /^(?:heading|标题|title)/iu.test(style.name);
}

interface OpenParagraph {
  parts: string[];
  boldChars: number;
  plainChars: number;
}

/**
 * Walks the main text once. \r ends a paragraph, 0x07 ends a table cell (and a row: that one is
 * dropped, as a .docx has no paragraph for it); a field keeps its result (0x14…0x15) and drops
 * its code (0x13…0x14); 0x01 (inline picture) and 0x08 (drawn object) are counted as pictures.
 */
export function splitParagraphs(text: string, props: Properties, maxChars: number): DocText {
  const paragraphs: DocParagraph[] = [];
  const fields = new FieldNesting();
  let imageCount = 0;
  let chars = 0;
  let p: OpenParagraph = { parts: [], boldChars: 0, plainChars: 0 };
  for (let cp = 0; cp < text.length; cp++) {
    const ch = text.charCodeAt(cp);
    if (fields.mark(ch)) {
      // a field's begin, separator or end: not text
    } else if (ch === 0x0d || ch === 0x07) {
      const done = closeParagraph(p, runAt(props.papx, props.fcOf(cp)), props.styles);
      if (done) paragraphs.push(done);
      p = { parts: [], boldChars: 0, plainChars: 0 };
    } else if (fields.hidden) {
    } else if (ch === 0x01 || ch === 0x08) {
      imageCount++;
    } else {
      const t = visible(ch, text[cp]!);
      if (t === "") continue;
      p.parts.push(t);
      if (t.trim() !== "") {
        const bold = sprmByte(runAt(props.chpx, props.fcOf(cp))?.grpprl ?? Buffer.alloc(0), SPRM_C_F_BOLD);
        // 0x81 means “the opposite of the style”, and body styles are not bold.
        if (bold === 1 || bold === 0x81) p.boldChars++;
        else p.plainChars++;
      }
      if (++chars > maxChars) throw new DocTooLargeError("chars", maxChars);
    }
  }
  if (p.parts.length > 0) paragraphs.push({ text: p.parts.join(""), heading: false });
  if (props.papx.length === 0) markHeadingsByShape(paragraphs);
  return { paragraphs, imageCount };
}

/** Line and page breaks become "\n" as docx.ts makes of w:br; a non-breaking hyphen is a hyphen; other controls go. */
function visible(code: number, ch: string): string {
  if (code === 0x0b || code === 0x0c) return "\n";
  if (code === 0x1e) return "-";
  return code < 0x20 && code !== 0x09 ? "" : ch;
}

/** The finished paragraph, or null for a table row's end mark (sprmPFTtp), which holds no text. */
function closeParagraph(p: OpenParagraph, papx: PropertyRun | null, styles: Style[]): DocParagraph | null {
  const rowEnd = papx !== null && (sprmByte(papx.grpprl, SPRM_P_F_TTP) === 1 || sprmByte(papx.grpprl, SPRM_P_F_INNER_TTP) === 1);
  if (rowEnd && p.parts.length === 0) return null;
  const text = p.parts.join("");
  const short = text.trim().length > 0 && text.trim().length <= BOLD_HEADING_MAX;
  const outline = papx ? sprmByte(papx.grpprl, SPRM_P_OUT_LVL) : null;
  // Outline level 9 is body text.
  const styled = papx !== null && (isHeadingStyle(styles[papx.istd]) || (outline !== null && outline <= 8));
  return { text, heading: styled || (short && p.boldChars > 0 && p.plainChars === 0) };
}

/**
 * Without paragraph properties (a writer that leaves out the FKPs), a heading is guessed from its
 * shape: the first line, or a short line opening with 一、 （一） 1. and not ending a sentence.
 */
function markHeadingsByShape(paragraphs: DocParagraph[]): void {
  const first = paragraphs.find((x) => x.text.trim() !== "");
  for (const x of paragraphs) {
    const t = x.text.trim();
    const numbered = /^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d+[.．、])/u.test(t);
    x.heading = x === first || (numbered && t.length <= BOLD_HEADING_MAX && !/[。；;！!？?，,]$/u.test(t));
  }
}
