import { createRequire } from "node:module";
import { dirname } from "node:path";
import type { Readable } from "node:stream";
import type { DocParagraph, DocText, PdfFacts } from "@baosong/core";
import { getDocument, OPS, VerbosityLevel } from "pdfjs-dist/legacy/build/pdf.mjs";
import type { PDFDocumentProxy, PDFPageProxy } from "pdfjs-dist/legacy/build/pdf.mjs";
import type { TextItem } from "pdfjs-dist/types/src/display/api.js";
import { DocTooLargeError, DocumentError, PdfUnreadableError } from "./errors.ts";
import { pageRulings, readPdfTables, type Ruling } from "./pdf-tables.ts";
import { readAllBounded } from "./read-all.ts";

export interface PdfLimits {
  /** The most characters of text the pages read may hold (a real report has a few thousand). */
  maxChars: number;
  /** The most bytes the file may take; 64 MiB by default. */
  maxBytes?: number;
  /** Read only the first pages; the page count reported is still the whole document's. */
  maxPages?: number;
}

export interface PdfReading {
  facts: PdfFacts;
  /** The text layer as lines in reading order; null when there is none (a scanned copy). */
  doc: DocText | null;
}

const defaultMaxBytes = 64 * 1024 * 1024;
/** A line whose glyphs are this much taller than the page's usual text is a heading. */
const HEADING_SCALE = 1.2;
/** A bold line longer than this is emphasis in the text, not a heading (as in the .docx reader). */
const BOLD_HEADING_MAX = 40;
const boldFont = /bold|black|heavy|simhei|heiti/iu;

/**
 * pdf.js reads its CMaps (needed for Chinese fonts that are not embedded) and standard fonts
 * from the package's own folders; in Node they are file paths, read with fs, never fetched.
 */
const pdfjsRoot = dirname(createRequire(import.meta.url).resolve("pdfjs-dist/package.json"));
const documentOptions = {
  cMapUrl: `${pdfjsRoot}/cmaps/`,
  cMapPacked: true,
  standardFontDataUrl: `${pdfjsRoot}/standard_fonts/`,
  wasmUrl: `${pdfjsRoot}/wasm/`,
  // CVE-2024-4367: a font's FontMatrix reached `new Function`; fixed in 4.2.67, and off here besides.
  isEvalSupported: false,
  disableFontFace: true,
  useSystemFonts: false,
  enableXfa: false,
  // Since pdf.js 6 a loaded font keeps its name (which says bold) only when asked to.
  fontExtraProperties: true,
  verbosity: VerbosityLevel.ERRORS,
};

/**
 * Reads a PDF's text layer with pdf.js: lines in reading order, headings by font size (or a
 * short all-bold line), and the pictures painted. A PDF without text (a scan) gives doc: null.
 * Throws DocTooLargeError, or PdfUnreadableError for a damaged, password-protected or non-PDF file.
 */
export async function readPdf(input: Buffer | Readable, limits: PdfLimits): Promise<PdfReading> {
  const budget = limits.maxBytes ?? defaultMaxBytes;
  const buf = Buffer.isBuffer(input) ? input : await collect(input, budget);
  if (buf.length > budget) throw new DocTooLargeError("bytes", budget);
  // A copy: pdf.js takes ownership of the bytes it is given.
  const task = getDocument({ ...documentOptions, data: new Uint8Array(buf) });
  try {
    const pdf = await task.promise;
    const pagesToRead = Math.min(pdf.numPages, limits.maxPages ?? pdf.numPages);
    const pages: TextItem[][] = [];
    let chars = 0;
    let textChars = 0;
    for (let n = 1; n <= pagesToRead; n++) {
      const items = await pageText(await pdf.getPage(n));
      for (const item of items) {
        chars += item.str.length;
        textChars += item.str.replace(/\s/gu, "").length;
      }
      if (chars > limits.maxChars) throw new DocTooLargeError("chars", limits.maxChars);
      pages.push(items);
    }
    const facts: PdfFacts = { pages: pdf.numPages, textChars };
    if (textChars === 0) return { facts, doc: null };
    return { facts, doc: await readPictures(pdf, pages) };
  } catch (err) {
    if (err instanceof DocumentError) throw err;
    const reason = (err as { name?: string }).name === "PasswordException" ? "encrypted with a password" : "damaged or not a PDF";
    throw new PdfUnreadableError(`PDF ${reason}: ${(err as Error).message}`, { cause: err });
  } finally {
    await task.destroy();
  }
}

async function pageText(page: PDFPageProxy): Promise<TextItem[]> {
  const content = await page.getTextContent();
  return content.items.filter((item): item is TextItem => "str" in item);
}

/**
 * Second pass, only for a PDF with text: the operator lists tell which pictures are painted and
 * load the fonts, whose names say which are bold. (pdf.js decodes each picture while building
 * the list, which is why a scan, with nothing to say, is spared it.)
 */
async function readPictures(pdf: PDFDocumentProxy, pages: TextItem[][]): Promise<DocText> {
  let imageCount = 0;
  const paragraphs: DocParagraph[] = [];
  const rulings: { items: TextItem[]; rulings: Ruling[] }[] = [];
  for (const [index, items] of pages.entries()) {
    const page = await pdf.getPage(index + 1);
    const ops = await page.getOperatorList();
    for (const fn of ops.fnArray) {
      if (fn === OPS.paintImageXObject || fn === OPS.paintInlineImageXObject || fn === OPS.paintImageXObjectRepeat) imageCount++;
    }
    const bold = new Set<string>();
    for (const name of new Set(items.map((i) => i.fontName))) {
      const font = page.commonObjs.has(name) ? (page.commonObjs.get(name) as { name?: string }) : undefined;
      if (font?.name && boldFont.test(font.name)) bold.add(name);
    }
    paragraphs.push(...pageLines(items, bold));
    rulings.push({ items, rulings: pageRulings(ops) });
  }
  const tables = readPdfTables(rulings);
  return tables.length > 0 ? { paragraphs, imageCount, tables } : { paragraphs, imageCount };
}

interface Line {
  parts: string[];
  y: number;
  /** Characters (whitespace excluded) and their summed glyph heights: a line's usual size. */
  chars: number;
  heightSum: number;
  boldChars: number;
}

/**
 * Groups a page's text items into lines: pdf.js marks the end of a line with hasEOL, and an item
 * that drops below the line's baseline starts a new one even without it.
 */
export function pageLines(items: readonly TextItem[], boldFonts: ReadonlySet<string> = new Set()): DocParagraph[] {
  const lines: Line[] = [];
  let line: Line | undefined;
  for (const item of items) {
    const y = item.transform[5] as number;
    const n = item.str.replace(/\s/gu, "").length;
    if (line && n > 0 && line.chars > 0 && Math.abs(y - line.y) > Math.max(item.height, line.heightSum / line.chars) / 2) {
      lines.push(line);
      line = undefined;
    }
    line ??= { parts: [], y, chars: 0, heightSum: 0, boldChars: 0 };
    // A blank wider than two glyphs is the gap between table cells or tab stops, not a word space.
    const gap = n === 0 && item.str !== "" && line.chars > 0 && item.width > 2 * (line.heightSum / line.chars);
    line.parts.push(gap ? "\t" : item.str);
    if (n > 0) {
      if (line.chars === 0) line.y = y;
      line.chars += n;
      line.heightSum += n * item.height;
      if (boldFonts.has(item.fontName)) line.boldChars += n;
    }
    if (item.hasEOL) {
      lines.push(line);
      line = undefined;
    }
  }
  if (line) lines.push(line);
  const texts = lines.filter((l) => l.chars > 0);
  const median = medianHeight(texts);
  const tall = (l: Line) => median > 0 && l.heightSum / l.chars >= median * HEADING_SCALE;
  return joinTitleLines(texts, tall).map((l) => {
    const text = joinParts(l.parts);
    const allBold = l.boldChars === l.chars && text.length <= BOLD_HEADING_MAX;
    return { text, heading: tall(l) || allBold };
  });
}

/**
 * A title too long for one line wraps onto the next in the same large type; the reader wants it
 * whole (“重庆市荣昌区职业教育中心2022年职业教育活动周” + “工作总结报告”). Joined: leading tall
 * lines set in the same size, close below each other, the first not ending a sentence, the next
 * not a subtitle (——…, （…）).
 */
function joinTitleLines(lines: Line[], tall: (l: Line) => boolean): Line[] {
  const out: Line[] = [];
  let leading = true;
  for (const l of lines) {
    const prev = out.at(-1);
    leading &&= tall(l);
    if (leading && prev && continuesTitle(prev, l)) {
      out[out.length - 1] = {
        ...prev,
        parts: [...prev.parts, ...l.parts],
        chars: prev.chars + l.chars,
        heightSum: prev.heightSum + l.heightSum,
        boldChars: prev.boldChars + l.boldChars,
      };
      continue;
    }
    out.push(l);
  }
  return out;
}

function continuesTitle(prev: Line, next: Line): boolean {
  const size = prev.heightSum / prev.chars;
  const nextSize = next.heightSum / next.chars;
  const first = joinParts(prev.parts).trim();
  const second = joinParts(next.parts).trim();
  return (
    Math.abs(size - nextSize) <= size * 0.1 &&
    Math.abs(prev.y - next.y) <= size * 2.2 &&
    !/[。；;！!？?：:]$/u.test(first) &&
    !/^(?:——|--|[（(])/u.test(second) &&
    first.length + second.length <= 80
  );
}

/** The glyph height most of the page's characters are set in. */
function medianHeight(lines: readonly Line[]): number {
  const sizes = lines.map((l) => ({ height: l.heightSum / l.chars, chars: l.chars })).sort((a, b) => a.height - b.height);
  const half = sizes.reduce((sum, s) => sum + s.chars, 0) / 2;
  let seen = 0;
  for (const s of sizes) {
    seen += s.chars;
    if (seen >= half) return s.height;
  }
  return 0;
}

/**
 * pdf.js turns a gap between glyphs into a space, and LibreOffice leaves one between Chinese and
 * Latin text (“中心 2022 年”); Chinese has no word spaces, so those go, as the .docx has none.
 * Column gaps stay, as tabs.
 */
function joinParts(parts: readonly string[]): string {
  return parts
    .join("")
    .replace(/[^\S\t]+/gu, " ")
    .replace(/ *\t[\t ]*/gu, "\t")
    .replace(/(?<=[\p{Script=Han}\u3000-\u303f\uff00-\uffef]) (?=\S)|(?<=\S) (?=[\p{Script=Han}\u3000-\u303f\uff00-\uffef])/gu, "")
    .trim();
}

const collect = (stream: Readable, maxBytes: number) => readAllBounded(stream, maxBytes, () => new DocTooLargeError("bytes", maxBytes));
