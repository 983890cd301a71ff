import addressparser from "nodemailer/lib/addressparser/index.js";

/** The header block is looked for in this many bytes at most. */
export const MAX_HEADER_BYTES = 256 * 1024;

/** Whether these first bytes of a raw mail hold the blank line that ends its header block. */
export function headerBlockEnds(head: Buffer): boolean {
  return head.includes("\n\n") || head.includes("\n\r\n");
}

/**
 * The From address, read from the raw header block alone (the first bytes of the raw mail, up
 * to MAX_HEADER_BYTES), before anything of the mail is stored: the sender's disk budget must be
 * known before its attachments are written.
 */
export function fromAddressInHead(head: Buffer): string | null {
  const text = head.subarray(0, MAX_HEADER_BYTES).toString("latin1");
  const end = text.search(/\r?\n\r?\n/);
  const header = (end < 0 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, " ");
  const line = /^from:(.*)$/im.exec(header)?.[1];
  if (!line) return null;
  const first = addressparser(line, { flatten: true })[0];
  return first?.address?.trim().toLowerCase() || null;
}
