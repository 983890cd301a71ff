/**
 * A small, strict-enough XML scanner for the parts of an Office package: it walks one part's
 * text once, calls back for each start tag, end tag and run of text, and builds nothing else,
 * so memory stays at the size of the part (which the zip reader has already bounded).
 *
 * Element and attribute names are given without their namespace prefix: Tencent Docs and WPS
 * write `<x:row>` and `<x:c>` where Excel writes `<row>` and `<c>`, and both mean the same.
 * No DTD is read and no entity beyond XML's own five and character references is expanded, so
 * an entity bomb has nothing to expand.
 */
export interface XmlHandlers {
  open(name: string, attrs: Readonly<Record<string, string>>, selfClosing: boolean): void;
  close(name: string): void;
  /** Raw text between tags, as `xml.slice(start, end)`: slice and decode (`decodeXmlText`) only what is wanted. */
  text?(xml: string, start: number, end: number): void;
}

/** Thrown when a part is not well-formed enough to walk. */
export class XmlFormatError extends Error {
  override name = "XmlFormatError";
}

const startTag = /<([^\s/>!?]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/uy;
const attribute = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/gu;

const localName = (name: string) => name.slice(name.indexOf(":") + 1);

export function scanXml(xml: string, on: XmlHandlers): void {
  let at = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (at < xml.length) {
    const lt = xml.indexOf("<", at);
    const textEnd = lt === -1 ? xml.length : lt;
    if (textEnd > at && on.text) on.text(xml, at, textEnd);
    if (lt === -1) return;
    const next = xml.charCodeAt(lt + 1);
    at = next === 0x21 /* ! */ || next === 0x3f /* ? */ ? skipMarkup(xml, lt, on) : tag(xml, lt, on);
  }
}

function until(xml: string, close: string, from: number, lt: number): number {
  const end = xml.indexOf(close, from);
  if (end === -1) throw new XmlFormatError(`unterminated markup at ${lt}`);
  return end;
}

/** Comments, processing instructions, DOCTYPE and CDATA (handed on as text). */
function skipMarkup(xml: string, lt: number, on: XmlHandlers): number {
  if (xml.startsWith("<!--", lt)) return until(xml, "-->", lt + 4, lt) + 3;
  if (xml.startsWith("<?", lt)) return until(xml, "?>", lt + 2, lt) + 2;
  if (xml.startsWith("<![CDATA[", lt)) {
    const end = until(xml, "]]>", lt + 9, lt);
    const text = escapeText(xml.slice(lt + 9, end));
    on.text?.(text, 0, text.length);
    return end + 3;
  }
  return until(xml, ">", lt + 2, lt) + 1;
}

function tag(xml: string, lt: number, on: XmlHandlers): number {
  if (xml.charCodeAt(lt + 1) === 0x2f) {
    const gt = xml.indexOf(">", lt);
    const name = gt === -1 ? "" : xml.slice(lt + 2, gt).trimEnd();
    if (name === "" || /[\s<]/u.test(name)) throw new XmlFormatError(`malformed end tag at ${lt}`);
    on.close(localName(name));
    return gt + 1;
  }
  startTag.lastIndex = lt;
  const m = startTag.exec(xml);
  if (!m) throw new XmlFormatError(`malformed tag at ${lt}`);
  const attrs: Record<string, string> = {};
  if (m[2]) {
    attribute.lastIndex = 0;
    for (let a = attribute.exec(m[2]); a !== null; a = attribute.exec(m[2])) {
      const name = a[1]!;
      if (name === "xmlns" || name.startsWith("xmlns:")) continue;
      attrs[localName(name)] = decodeXmlText(a[2] ?? a[3] ?? "");
    }
  }
  const name = localName(m[1]!);
  const selfClosing = m[3] === "/";
  on.open(name, attrs, selfClosing);
  if (selfClosing) on.close(name);
  return startTag.lastIndex;
}

const escapeText = (s: string) => s.replace(/&/gu, "&amp;").replace(/</gu, "&lt;");

const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** XML's five entities and character references; anything else is left as written. */
export function decodeXmlText(raw: string): string {
  if (!raw.includes("&")) return raw;
  return raw.replace(/&(#x[0-9a-f]+|#\d+|\w+);/giu, (whole, ref: string) => {
    if (ref[0] !== "#") return named[ref] ?? whole;
    const code = ref[1] === "x" || ref[1] === "X" ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}
