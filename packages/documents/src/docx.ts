import type { Readable } from "node:stream";
import type { DocParagraph, DocText } from "@baosong/core";
import { DocTooLargeError, DocxUnreadableError, EncryptedDocumentError } from "./errors.ts";
import { isEncryptedPackage } from "./encrypted-package.ts";
import { inflateEntry, listZipEntries, ZipEntryTooLargeError, ZipFormatError, type ZipEntry } from "./zip-entries.ts";
import { readAllBounded } from "./read-all.ts";
import { readDocxTables } from "./docx-tables.ts";

export interface DocxLimits {
  /** The most characters of text the document may hold (a real report has a few thousand). */
  maxChars: number;
  /** The most bytes the file, and the parts read from it, may take; 64 MiB by default. */
  maxUnpackedBytes?: number;
}

const defaultMaxUnpackedBytes = 64 * 1024 * 1024;
/** A bold line longer than this is emphasis in the text, not a heading. */
const BOLD_HEADING_MAX = 40;

/**
 * Reads the body of a .docx: paragraphs in order (table cells and text boxes included) with
 * which look like headings, and the pictures placed in it. Only word/document.xml and
 * word/styles.xml are inflated, each under the byte ceiling. Throws DocTooLargeError or
 * DocxUnreadableError; a .doc (OLE) or .wps file is unreadable here.
 */
export async function readDocx(input: Buffer | Readable, limits: DocxLimits): Promise<DocText> {
  const budget = limits.maxUnpackedBytes ?? defaultMaxUnpackedBytes;
  const buf = Buffer.isBuffer(input) ? input : await collect(input, budget);
  if (buf.length > budget) throw new DocTooLargeError("bytes", budget);
  if (isEncryptedPackage(buf)) throw new EncryptedDocumentError("the file is password protected (an OLE EncryptedPackage)");
  let documentXml: string;
  let stylesXml: string | null;
  try {
    const entries = listZipEntries(buf);
    const find = (name: string): ZipEntry | undefined => entries.find((e) => e.name.toLowerCase() === name);
    const body = find("word/document.xml");
    if (!body) throw new DocxUnreadableError("not a .docx: no word/document.xml");
    const bodyBytes = inflateEntry(buf, body, budget);
    documentXml = bodyBytes.toString("utf8");
    const styles = find("word/styles.xml");
    stylesXml = styles ? inflateEntry(buf, styles, budget - bodyBytes.length).toString("utf8") : null;
  } catch (err) {
    if (err instanceof ZipEntryTooLargeError) throw new DocTooLargeError("bytes", budget);
    if (err instanceof ZipFormatError) throw new DocxUnreadableError(`not a readable .docx: ${err.message}`, { cause: err });
    throw err;
  }
  if (!/<(?:\w+:)?document[\s>]/u.test(documentXml)) throw new DocxUnreadableError("word/document.xml holds no w:document");
  const doc = parseDocumentXml(documentXml, stylesXml, limits.maxChars);
  const tables = readDocxTables(documentXml);
  return tables.length > 0 ? { ...doc, tables } : doc;
}

const collect = (stream: Readable, maxBytes: number) => readAllBounded(stream, maxBytes, () => new DocTooLargeError("bytes", maxBytes));

/**
 * Style ids that are headings: Word names them “heading 1” (id “Heading1”, or “1” in Chinese
 * Word), WPS “标题 1”; any style with an outline level counts too.
 */
export function headingStyleIds(stylesXml: string | null): Set<string> {
  const ids = new Set<string>();
  if (!stylesXml) return ids;
  for (const m of stylesXml.matchAll(/<w:style\b([^>]*)>([\s\S]*?)<\/w:style>/gu)) {
    const id = /w:styleId="([^"]*)"/u.exec(m[1]!)?.[1];
    if (!id) continue;
    const name = /<w:name\b[^>]*w:val="([^"]*)"/u.exec(m[2]!)?.[1] ?? "";
    if (/^(?:heading|标题|title)/iu.test(name) || /<w:outlineLvl\b[^>]*w:val="[0-8]"/u.test(m[2]!)) ids.add(id);
  }
  return ids;
}

const entities: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/giu, (whole, e: string) => {
    if (e[0] === "#") {
      const code = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return entities[e] ?? whole;
  });
}

interface OpenParagraph {
  parts: string[];
  styled: boolean;
  outline: boolean;
  boldChars: number;
  plainChars: number;
}

/** True unless the toggle says off: <w:b/>, <w:b w:val="1"/> are on; w:val="0"/"false" off. */
function toggleOn(attrs: string): boolean {
  const v = /w:val="([^"]*)"/u.exec(attrs)?.[1];
  return v === undefined || !/^(?:0|false|off)$/iu.test(v);
}

/**
 * Walks the body XML once. Paragraphs nest (a text box's paragraphs sit inside a run of the
 * outer one), so open paragraphs are a stack and each is emitted when it closes.
 * mc:Fallback repeats its mc:Choice for old readers (a text box or a picture twice), so it is dropped.
 */
export function parseDocumentXml(xml: string, stylesXml: string | null, maxChars: number): DocText {
  const headingStyles = headingStyleIds(stylesXml);
  const body = xml.replace(/<mc:Fallback\b[\s\S]*?<\/mc:Fallback>/gu, "");
  const imageCount = (body.match(/<pic:pic\b/gu)?.length ?? 0) + (body.match(/<v:imagedata\b/gu)?.length ?? 0);

  const paragraphs: DocParagraph[] = [];
  const open: OpenParagraph[] = [];
  let chars = 0;
  let inText = false;
  let inRun = 0;
  let inRunProps = false;
  let runBold = false;
  for (const m of body.matchAll(/<(\/?)([\w:]+)([^>]*?)(\/?)>|([^<]+)/gu)) {
    const [, closing, tag, attrs = "", selfClosing, text] = m;
    const p = open.at(-1);
    if (text !== undefined) {
      if (!inText || !p) continue;
      const t = decode(text);
      p.parts.push(t);
      const n = t.replace(/\s/gu, "").length;
      if (runBold) p.boldChars += n;
      else p.plainChars += n;
      chars += t.length;
      if (chars > maxChars) throw new DocTooLargeError("chars", maxChars);
      continue;
    }
    if (closing) {
      if (tag === "w:t") inText = false;
      else if (tag === "w:rPr") inRunProps = false;
      else if (tag === "w:r") inRun = Math.max(0, inRun - 1);
      else if (tag === "w:p" && p) {
        open.pop();
        const text = p.parts.join("");
        const short = text.trim().length > 0 && text.trim().length <= BOLD_HEADING_MAX;
        paragraphs.push({ text, heading: p.styled || p.outline || (short && p.boldChars > 0 && p.plainChars === 0) });
      }
      continue;
    }
    switch (tag) {
      case "w:p":
        if (!selfClosing) open.push({ parts: [], styled: false, outline: false, boldChars: 0, plainChars: 0 });
        else paragraphs.push({ text: "", heading: false });
        break;
      case "w:pStyle": {
        const id = /w:val="([^"]*)"/u.exec(attrs)?.[1] ?? "";
        if (p && (headingStyles.has(id) || /^(?:heading|标题|title)/iu.test(id))) p.styled = true;
        break;
      }
      case "w:outlineLvl":
        // Level 9 is body text.
        if (p && /w:val="[0-8]"/u.test(attrs)) p.outline = true;
        break;
      case "w:r":
        if (!selfClosing) {
          inRun++;
          runBold = false;
        }
        break;
      case "w:rPr":
        if (inRun > 0 && !selfClosing) inRunProps = true;
        break;
      case "w:b":
        if (inRunProps) runBold = toggleOn(attrs);
        break;
      case "w:t":
        if (!selfClosing) inText = true;
        break;
      case "w:tab":
        if (inRun > 0 && p) p.parts.push("\t");
        break;
      case "w:br":
      case "w:cr":
        if (p) p.parts.push("\n");
        break;
    }
  }
  return { paragraphs, imageCount };
}
