import { inflateRawSync } from "node:zlib";

/**
 * Just enough of the zip format to look inside an .xlsx before a parser inflates it whole:
 * the central directory, and each entry inflated with a ceiling on its output.
 */
export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  /** As declared; a hostile file may lie, so inflate with a ceiling rather than trust it. */
  uncompressedSize: number;
  localHeaderOffset: number;
}

/** Thrown when the bytes are not a zip archive this reader understands. */
export class ZipFormatError extends Error {
  override name = "ZipFormatError";
}

/** Thrown when an entry inflates to more bytes than allowed. */
export class ZipEntryTooLargeError extends Error {
  override name = "ZipEntryTooLargeError";
  constructor(
    readonly entry: string,
    readonly limit: number,
  ) {
    super(`zip entry ${entry} inflates to more than ${limit} bytes`);
  }
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const ZIP64_EXTRA = 0x0001;
const MAX32 = 0xffffffff;

function findEndOfCentralDirectory(buf: Buffer): number {
  // The end record is 22 bytes plus a comment of at most 65535 bytes.
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD) return i;
  }
  throw new ZipFormatError("not a zip archive: no end of central directory");
}

/** Sizes and offset that overflow 32 bits live in the zip64 extra field, in this order. */
function applyZip64(buf: Buffer, extraStart: number, extraEnd: number, e: ZipEntry): void {
  for (let p = extraStart; p + 4 <= extraEnd; ) {
    const id = buf.readUInt16LE(p);
    const size = buf.readUInt16LE(p + 2);
    if (id === ZIP64_EXTRA) {
      let q = p + 4;
      const next = () => {
        const v = Number(buf.readBigUInt64LE(q));
        q += 8;
        return v;
      };
      if (e.uncompressedSize === MAX32) e.uncompressedSize = next();
      if (e.compressedSize === MAX32) e.compressedSize = next();
      if (e.localHeaderOffset === MAX32) e.localHeaderOffset = next();
      return;
    }
    p += 4 + size;
  }
}

export function listZipEntries(buf: Buffer): ZipEntry[] {
  if (buf.length < 22) throw new ZipFormatError("not a zip archive: too short");
  const end = findEndOfCentralDirectory(buf);
  const count = buf.readUInt16LE(end + 10);
  let p = buf.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CENTRAL) throw new ZipFormatError("damaged central directory");
    const nameLength = buf.readUInt16LE(p + 28);
    const extraLength = buf.readUInt16LE(p + 30);
    const commentLength = buf.readUInt16LE(p + 32);
    const entry: ZipEntry = {
      flags: buf.readUInt16LE(p + 8),
      method: buf.readUInt16LE(p + 10),
      compressedSize: buf.readUInt32LE(p + 20),
      uncompressedSize: buf.readUInt32LE(p + 24),
      localHeaderOffset: buf.readUInt32LE(p + 42),
      name: buf.toString("utf8", p + 46, p + 46 + nameLength).replace(/^\//u, ""),
    };
    applyZip64(buf, p + 46 + nameLength, p + 46 + nameLength + extraLength, entry);
    entries.push(entry);
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The entry's bytes, refusing to produce more than `maxBytes`. */
export function inflateEntry(buf: Buffer, entry: ZipEntry, maxBytes: number): Buffer {
  const at = entry.localHeaderOffset;
  if (at + 30 > buf.length || buf.readUInt32LE(at) !== LOCAL) throw new ZipFormatError(`damaged local header: ${entry.name}`);
  if (entry.flags & 0x1) throw new ZipFormatError(`encrypted entry: ${entry.name}`);
  const start = at + 30 + buf.readUInt16LE(at + 26) + buf.readUInt16LE(at + 28);
  const data = buf.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) {
    if (data.length > maxBytes) throw new ZipEntryTooLargeError(entry.name, maxBytes);
    return data;
  }
  if (entry.method !== 8) throw new ZipFormatError(`unsupported compression method ${entry.method}: ${entry.name}`);
  try {
    return inflateRawSync(data, { maxOutputLength: Math.max(1, maxBytes) });
  } catch (err) {
    if (err instanceof RangeError || (err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
      throw new ZipEntryTooLargeError(entry.name, maxBytes);
    }
    throw new ZipFormatError(`cannot inflate ${entry.name}: ${(err as Error).message}`);
  }
}
