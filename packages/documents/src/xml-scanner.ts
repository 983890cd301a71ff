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
  /** Raw text between tags; decode with `decodeXmlText` when it is wanted. */
  text?(raw: string): void;
}

/** Thrown when a part is not well-formed enough to walk. */
export class XmlFormatError extends Error {
  override name = "XmlFormatError";
}

const startTag = /<([^\s/>!?]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/uy;
const endTag = /<\/([^\s>]+)\s*>/uy;
const attribute = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/gu;

const localName = (name: string) => name.slice(name.indexOf(":") + 1);

export function scanXml(xml: string, on: XmlHandlers): void {
  let at = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (at < xml.length) {
    const lt = xml.indexOf("<", at);
    const textEnd = lt === -1 ? xml.length : lt;
    if (textEnd > at && on.text) on.text(xml.slice(at, textEnd));
    if (lt === -1) return;
    at = skipMarkup(xml, lt, on) ?? tag(xml, lt, on);
  }
}

/** Comments, processing instructions, DOCTYPE and CDATA (handed on as text); null for a tag. */
function skipMarkup(xml: string, lt: number, on: XmlHandlers): number | null {
  const until = (close: string, from: number) => {
    const end = xml.indexOf(close, from);
    if (end === -1) throw new XmlFormatError(`unterminated markup at ${lt}`);
    return end;
  };
  if (xml.startsWith("<!--", lt)) return until("-->", lt + 4) + 3;
  if (xml.startsWith("<?", lt)) return until("?>", lt + 2) + 2;
  if (xml.startsWith("<![CDATA[", lt)) {
    const end = until("]]>", lt + 9);
    on.text?.(escapeText(xml.slice(lt + 9, end)));
    return end + 3;
  }
  if (xml.startsWith("<!", lt)) return until(">", lt + 2) + 1;
  return null;
}

function tag(xml: string, lt: number, on: XmlHandlers): number {
  if (xml.charCodeAt(lt + 1) === 0x2f) {
    endTag.lastIndex = lt;
    const m = endTag.exec(xml);
    if (!m) throw new XmlFormatError(`malformed end tag at ${lt}`);
    on.close(localName(m[1]!));
    return endTag.lastIndex;
  }
  startTag.lastIndex = lt;
  const m = startTag.exec(xml);
  if (!m) throw new XmlFormatError(`malformed tag at ${lt}`);
  const attrs: Record<string, string> = {};
  if (m[2]) {
    for (const a of m[2].matchAll(attribute)) {
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
