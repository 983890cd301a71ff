import { Readable } from "node:stream";
import type { BlobStore } from "@baosong/blobs";
import { readMessage, type ReadMessage } from "./message-reader.ts";

/** Top-level fields worth keeping from a mail the parser refused: who, what, threading, RFC 3834. */
const KEPT_FIELDS = new Set([
  "from",
  "sender",
  "reply-to",
  "to",
  "cc",
  "subject",
  "date",
  "message-id",
  "in-reply-to",
  "references",
  "auto-submitted",
  "precedence",
  "list-id",
  "list-unsubscribe",
  "x-auto-response-suppress",
  "x-failed-recipients",
  "return-path",
  "authentication-results",
]);
/** A kept field longer than this is dropped: it is the oversized one, or junk. */
const MAX_FIELD_BYTES = 16 * 1024;
/** The header block is read at most this far; the rest of the mail is never read. */
const MAX_SCAN_BYTES = 8 * 1024 * 1024;

/**
 * The top-level header of a mail that mailparser refused (over 1,000 MIME nodes, a header over
 * 1 MB), read by its lines within fixed bounds and re-read as a mail without a body, so the
 * rejected mail is still filed under its sender, threaded, and answered — or recognised as
 * an auto-reply — like any other.
 */
export async function salvageHeaders(raw: Readable, blobs: BlobStore): Promise<ReadMessage> {
  const kept = await keptHeaderLines(raw);
  const synthetic = Buffer.concat([...kept.map((l) => Buffer.concat([l, Buffer.from("\r\n")])), Buffer.from("\r\n")]);
  return readMessage(Readable.from([synthetic]), blobs);
}

async function keptHeaderLines(raw: Readable): Promise<Buffer[]> {
  const kept: Buffer[] = [];
  let field: Buffer[] = [];
  let fieldBytes = 0;
  let pending: Buffer = Buffer.alloc(0);
  let scanned = 0;
  /** In the middle of a line too long to hold: its tail belongs to the same (dropped) field. */
  let inLongLine = false;
  const finishField = () => {
    if (field.length && fieldBytes <= MAX_FIELD_BYTES) {
      const line = Buffer.concat(field);
      const name = /^([!-9;-~]+):/.exec(line.subarray(0, 100).toString("latin1"))?.[1]?.toLowerCase();
      if (name && KEPT_FIELDS.has(name)) kept.push(line);
    }
    field = [];
    fieldBytes = 0;
  };
  try {
    for await (const chunk of raw) {
      scanned += (chunk as Buffer).length;
      pending = pending.length ? Buffer.concat([pending, chunk as Buffer]) : (chunk as Buffer);
      for (let nl = pending.indexOf(10); nl >= 0; nl = pending.indexOf(10)) {
        const line = pending.subarray(0, nl > 0 && pending[nl - 1] === 13 ? nl - 1 : nl);
        pending = pending.subarray(nl + 1);
        if (inLongLine) {
          inLongLine = false;
          fieldBytes += line.length + 2;
          continue;
        }
        if (line.length === 0) {
          finishField();
          return kept;
        }
        const continued = line[0] === 32 || line[0] === 9;
        if (!continued) finishField();
        fieldBytes += line.length + 2;
        // An oversized field is only measured from here on, never held.
        if (fieldBytes <= MAX_FIELD_BYTES) field.push(continued ? Buffer.concat([Buffer.from("\r\n"), line]) : Buffer.from(line));
      }
      // A single line longer than the bound: keep measuring it without holding it.
      if (pending.length > MAX_FIELD_BYTES) {
        if (!inLongLine && pending[0] !== 32 && pending[0] !== 9) finishField();
        fieldBytes += pending.length + MAX_FIELD_BYTES;
        pending = Buffer.alloc(0);
        inLongLine = true;
      }
      if (scanned > MAX_SCAN_BYTES) break;
    }
    finishField();
    return kept;
  } finally {
    raw.destroy();
  }
}
