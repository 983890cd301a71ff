import type { Readable } from "node:stream";
import addressparser from "nodemailer/lib/addressparser/index.js";

const MAX_HEADER_BYTES = 256 * 1024;

/**
 * The From address, read from the raw header block alone, before anything of the mail is
 * stored: the sender's disk budget must be known before its attachments are written.
 */
export async function peekFromAddress(raw: Readable): Promise<string | null> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of raw) {
      chunks.push(chunk as Buffer);
      length += (chunk as Buffer).length;
      if (length >= MAX_HEADER_BYTES || (chunk as Buffer).includes("\n\n") || (chunk as Buffer).includes("\n\r\n")) break;
    }
  } finally {
    raw.destroy();
  }
  const text = Buffer.concat(chunks).subarray(0, MAX_HEADER_BYTES).toString("latin1");
  const end = text.search(/\r?\n\r?\n/);
  const header = (end < 0 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, " ");
  const line = /^from:(.*)$/im.exec(header)?.[1];
  if (!line) return null;
  const first = addressparser(line, { flatten: true })[0];
  return first?.address?.trim().toLowerCase() || null;
}
