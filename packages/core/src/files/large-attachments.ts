import { zonedToInstant } from "../campaign-time.ts";

/**
 * QQ Mail 超大附件 (SPEC §9): a file too large to attach is uploaded to QQ's file transfer
 * station; the mail carries only a link in its HTML, valid for about 30 days. Two layouts
 * are seen: `span.qqmailbgattach` with `downloadlink` / `expiretime` attributes inside
 * `div#QQMailBigAttach`, and `div.bigatt_bt` whose title holds name, size and 到期时间.
 */
export interface LargeAttachmentLink {
  filename: string;
  url: string;
  sizeText: string | null;
  expiresAt: Date | null;
}

/** Recall notices: the sender withdrew the mail; kept, but nothing to file or answer. */
export function isRecallNotice(subject: string | null): boolean {
  return Boolean(subject && /发信方已撤回邮件|撤回了邮件/.test(subject));
}

export function findLargeAttachmentLinks(html: string | null, timeZone: string): LargeAttachmentLink[] {
  if (!html || !/qqmailbgattach|QQMailBigAttach|bigatt_bt|ftnExs_download|\/ftn\/download/i.test(html)) return [];
  const links: LargeAttachmentLink[] = [];
  const seen = new Set<string>();
  const add = (l: LargeAttachmentLink) => {
    if (!l.url || seen.has(l.url)) return;
    seen.add(l.url);
    links.push(l);
  };

  for (const tag of html.matchAll(/<[a-z]+\b[^>]*\bdownloadlink\s*=\s*(["'])(.*?)\1[^>]*>/gis)) {
    const attrs = tag[0];
    const after = html.slice(tag.index! + attrs.length, tag.index! + attrs.length + 400);
    add({
      url: decodeEntities(tag[2]!),
      filename: attr(attrs, "filename") ?? attr(attrs, "fn") ?? textBefore(after) ?? "超大附件",
      sizeText: attr(attrs, "filesize") ?? null,
      expiresAt: parseExpiry(attr(attrs, "expiretime"), timeZone),
    });
  }

  for (const block of html.matchAll(/<div\b[^>]*class\s*=\s*(["'])[^"']*\bbigatt_bt\b[^"']*\1[^>]*>([\s\S]*?)<\/div>/gi)) {
    const title = decodeEntities(attr(block[0], "title") ?? "");
    const href = /<a\b[^>]*href\s*=\s*(["'])(.*?)\1/i.exec(block[2] ?? "")?.[2];
    if (!href) continue;
    add({
      url: decodeEntities(href),
      filename: title.split(/[\r\n]/)[0]?.trim() || "超大附件",
      sizeText: /文件大小[:：]\s*([\d.]+\s*[KMG]B?)/i.exec(title)?.[1] ?? null,
      expiresAt: parseExpiry(/到期时间[:：]\s*(\d{4}年\d{1,2}月\d{1,2}日\s*\d{1,2}:\d{2})/.exec(title)?.[1] ?? null, timeZone),
    });
  }
  return links;
}

function attr(tag: string, name: string): string | null {
  const m = new RegExp(`\\b${name}\\s*=\\s*(["'])(.*?)\\1`, "is").exec(tag);
  return m ? decodeEntities(m[2]!) : null;
}

function textBefore(html: string): string | null {
  const text = decodeEntities(html.replace(/<[^>]+>/g, " "))
    .replace(/\s+/g, " ")
    .trim();
  return /^(\S+\.[A-Za-z0-9]{2,5})\b/.exec(text)?.[1] ?? null;
}

/** `expiretime` is epoch seconds (or ms); a title says 2024年08月22日 17:33 in campaign time. */
function parseExpiry(value: string | null, timeZone: string): Date | null {
  if (!value) return null;
  if (/^\d{10}$/.test(value)) return new Date(Number(value) * 1000);
  if (/^\d{13}$/.test(value)) return new Date(Number(value));
  const m = /(\d{4})年(\d{1,2})月(\d{1,2})日\s*(\d{1,2}):(\d{2})/.exec(value);
  if (!m) return null;
  const pad = (s: string) => s.padStart(2, "0");
  return zonedToInstant(`${m[1]}-${pad(m[2]!)}-${pad(m[3]!)} ${pad(m[4]!)}:${m[5]}`, timeZone);
}

function decodeEntities(s: string): string {
  return s
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&nbsp;/g, " ");
}
