import type { Readable } from "node:stream";
import { MailParser, type AddressObject, type AttachmentStream, type HeaderLines, type Headers, type MessageText } from "mailparser";
import type { BlobStore, StoredBlob } from "@baosong/blobs";
import { HeaderCharsetFix } from "./header-charset.ts";
import { detectMediaType } from "./media-type.ts";

/** Limits that keep one hostile or huge mail from exhausting the worker (SPEC §8). */
export interface ReadLimits {
  maxParts: number;
  maxPartBytes: number;
  maxBodyChars: number;
  /** Decoded bytes of all parts together (the mail's attachment budget); unlimited when absent. */
  maxTotalBytes?: number;
}

export const defaultReadLimits: ReadLimits = {
  maxParts: 200,
  maxPartBytes: 2 * 1024 * 1024 * 1024,
  maxBodyChars: 200_000,
};

export interface ReadPart {
  position: number;
  filename: string;
  declaredType: string;
  mediaType: string;
  sizeBytes: number;
  sha256: string;
  blobKey: string;
  /** attachment, inline (related to the HTML body), forwarded (message/rfc822) or archive (a member of an attached archive). */
  origin: "attachment" | "inline" | "forwarded" | "archive";
}

export interface ReadProblem {
  /** budget_exceeded: the part would pass `maxTotalBytes`; nothing of it is stored. */
  code: "too_many_parts" | "part_too_large" | "budget_exceeded" | "body_truncated" | "part_unreadable";
  filename: string | null;
  detail: string;
}

export interface ReadMessage {
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  fromAddress: string | null;
  fromName: string | null;
  replyTo: string | null;
  to: string[];
  subject: string | null;
  date: Date | null;
  contentType: string | null;
  /** Raw header lines unfolded, lower-cased names: for RFC 3834 checks and auth results. */
  headers: Map<string, string>;
  authenticationResults: string[];
  text: string;
  html: string | null;
  parts: ReadPart[];
  problems: ReadProblem[];
}

/**
 * Streams a raw mail through mailparser: attachments go straight into the blob store as
 * they are decoded, so memory stays bounded by the body text, never by the files.
 */
export async function readMessage(raw: Readable, blobs: BlobStore, limits: ReadLimits = defaultReadLimits): Promise<ReadMessage> {
  const parser = new MailParser({
    // The blob store hashes each part as it stores it; mailparser need not hash it again
    // (false skips its hash, a documented option its typings do not know).
    checksumAlgo: false as unknown as string,
    maxHtmlLengthToParse: limits.maxBodyChars * 10,
  });
  let headers: Headers = new Map();
  let headerLines: HeaderLines = [];
  let text = "";
  let html: string | null = null;
  const parts: ReadPart[] = [];
  const problems: ReadProblem[] = [];
  const pending: Promise<void>[] = [];
  const budget = { used: 0 };
  let position = 0;

  parser.on("headers", (h: Headers) => (headers = h));
  parser.on("headerLines", (l: HeaderLines) => (headerLines = l));
  parser.on("data", (data: AttachmentStream | MessageText) => {
    if (data.type === "text") {
      text = data.text ?? "";
      html = typeof data.html === "string" ? data.html : null;
      return;
    }
    const part = data as AttachmentStream;
    const index = position++;
    if (index >= limits.maxParts) {
      if (index === limits.maxParts) {
        problems.push({ code: "too_many_parts", filename: null, detail: `more than ${limits.maxParts} parts` });
      }
      part.content.on("data", () => undefined);
      part.content.on("end", () => part.release?.());
      return;
    }
    pending.push(storePart(part, index, blobs, limits, budget, parts, problems));
  });

  const charsetFix = new HeaderCharsetFix();
  const done = new Promise<void>((resolve, reject) => {
    parser.on("end", resolve);
    parser.on("error", reject);
    charsetFix.on("error", reject);
    raw.on("error", reject);
  });
  raw.pipe(charsetFix).pipe(parser);
  await done;
  await Promise.all(pending);
  parts.sort((a, b) => a.position - b.position);

  const lines = unfold(headerLines);
  const from = firstAddress(headers.get("from"));
  const bodyChars = Array.from(text);
  if (bodyChars.length > limits.maxBodyChars) {
    problems.push({ code: "body_truncated", filename: null, detail: `body longer than ${limits.maxBodyChars} characters` });
    text = bodyChars.slice(0, limits.maxBodyChars).join("");
  }

  return {
    messageId: stripAngles(stringHeader(headers.get("message-id"))),
    inReplyTo: stripAngles(stringHeader(headers.get("in-reply-to"))),
    references: referencesOf(headers.get("references")),
    fromAddress: from?.address?.toLowerCase() ?? null,
    fromName: from?.name || null,
    replyTo: firstAddress(headers.get("reply-to"))?.address?.toLowerCase() ?? null,
    to: allAddresses(headers.get("to")),
    subject: stringHeader(headers.get("subject")),
    date: headers.get("date") instanceof Date ? (headers.get("date") as Date) : null,
    contentType: lines.get("content-type") ?? null,
    headers: lines,
    authenticationResults: headerLines.filter((l) => l.key === "authentication-results").map((l) => l.line),
    text,
    html,
    parts,
    problems,
  };
}

async function storePart(
  part: AttachmentStream,
  position: number,
  blobs: BlobStore,
  limits: ReadLimits,
  budget: { used: number },
  parts: ReadPart[],
  problems: ReadProblem[],
): Promise<void> {
  const declaredType = (part.contentType || "application/octet-stream").toLowerCase();
  const filename = part.filename?.trim() || fallbackName(position, declaredType);
  // mailparser hands over one part at a time and waits for release(), so what the parts
  // before this one used is known when this one starts.
  const left = limits.maxTotalBytes === undefined ? Number.POSITIVE_INFINITY : Math.max(0, limits.maxTotalBytes - budget.used);
  const maxBytes = Math.min(limits.maxPartBytes, left);
  try {
    let stored: StoredBlob;
    try {
      stored = await blobs.put(part.content as Readable, { maxBytes });
    } catch (err) {
      if ((err as { code?: string }).code === "BLOB_TOO_LARGE" && maxBytes < limits.maxPartBytes) {
        problems.push({ code: "budget_exceeded", filename, detail: `would pass the ${limits.maxTotalBytes} bytes allowed for all parts` });
        return;
      }
      throw err;
    } finally {
      part.release?.();
    }
    budget.used += stored.size;
    const mediaType = (await detectMediaType(blobs, stored.key, stored.head)) ?? declaredType;
    const origin = declaredType === "message/rfc822" ? "forwarded" : part.related ? "inline" : "attachment";
    parts.push({ position, filename, declaredType, mediaType, sizeBytes: stored.size, sha256: stored.sha256, blobKey: stored.key, origin });
  } catch (err) {
    const code = (err as { code?: string }).code === "BLOB_TOO_LARGE" ? "part_too_large" : "part_unreadable";
    problems.push({ code, filename, detail: (err as Error).message });
  }
}

/** A part without a name still gets one a clerk can recognise. */
function fallbackName(position: number, contentType: string): string {
  const ext = contentType.split("/")[1]?.replace(/[^a-z0-9.+-]/g, "") ?? "bin";
  return `${UNNAMED}${position + 1}.${contentType === "message/rfc822" ? "eml" : ext}`;
}

const UNNAMED = "未命名附件";

/** Whether a part's name is the one this reader made up because the mail gave none. */
export function isUnnamedPart(filename: string): boolean {
  return new RegExp(`^${UNNAMED}\\d+\\.[a-z0-9.+-]+$`, "u").test(filename);
}

function unfold(lines: HeaderLines): Map<string, string> {
  const map = new Map<string, string>();
  for (const { key, line } of lines) {
    const value = line
      .slice(line.indexOf(":") + 1)
      .replace(/\r?\n[ \t]+/g, " ")
      .trim();
    if (!map.has(key)) map.set(key, value);
  }
  return map;
}

function stringHeader(v: unknown): string | null {
  if (typeof v === "string") return v;
  if (Array.isArray(v) && typeof v[0] === "string") return v[0];
  return null;
}

function stripAngles(v: string | null): string | null {
  const s = v?.trim().replace(/^<|>$/g, "").trim();
  return s ? s : null;
}

function referencesOf(v: unknown): string[] {
  const list = typeof v === "string" ? v.split(/\s+/) : Array.isArray(v) ? (v as string[]) : [];
  return list.map((r) => stripAngles(r)).filter((r): r is string => Boolean(r));
}

function firstAddress(v: unknown): { address?: string; name: string } | null {
  const obj = (Array.isArray(v) ? v[0] : v) as AddressObject | undefined;
  const first = obj?.value?.[0];
  if (!first) return null;
  if (first.address) return { address: first.address, name: first.name };
  return first.group?.[0] ? { address: first.group[0].address, name: first.group[0].name } : null;
}

function allAddresses(v: unknown): string[] {
  const objs = (Array.isArray(v) ? v : v ? [v] : []) as AddressObject[];
  return objs.flatMap((o) => o.value.map((a) => a.address?.toLowerCase()).filter((a): a is string => Boolean(a)));
}
