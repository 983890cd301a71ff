import type { MediaFacts } from "@baosong/core";
import { MediaUnreadableError } from "../errors.ts";
import { exifTakenAt, MAX_EXIF, withTakenAt } from "./exif.ts";
import { findBox, isoBoxes } from "./iso-boxes.ts";
import { ascii, bufferSource, Reader } from "./reader.ts";

/** A bounds-checked cursor over a box payload already read: a short box is damage, not a crash. */
class Cursor {
  constructor(
    private readonly buf: Buffer,
    public offset = 0,
  ) {}
  /** An unsigned big-endian integer of 0–4 or 8 bytes (iloc's field sizes vary, flags take 3). */
  uint(bytes: number): number {
    if (this.offset + bytes > this.buf.length) throw new MediaUnreadableError("HEIF: box shorter than its fields");
    const at = this.offset;
    this.offset += bytes;
    if (bytes === 0) return 0;
    if (bytes === 8) return Number(this.buf.readBigUInt64BE(at));
    if (bytes > 4) throw new MediaUnreadableError(`HEIF: field of ${bytes} bytes`);
    return this.buf.readUIntBE(at, bytes);
  }
  fourcc(): string {
    this.uint(4);
    return ascii(this.buf, this.offset - 4, this.offset);
  }
}

/** The meta box of an image holds only item tables and small properties; iPhone's is a few KB. */
const MAX_META = 1024 * 1024;

export async function readHeif(r: Reader, format: "heic" | "avif"): Promise<MediaFacts> {
  const metaBox = await findBox(r, 0, r.size, "meta");
  if (!metaBox) throw new MediaUnreadableError(`${format}: no meta box`);
  if (metaBox.end - metaBox.start > MAX_META) throw new MediaUnreadableError(`${format}: meta box larger than ${MAX_META} bytes`);
  const meta = await childPayloads(await r.bytes(metaBox.start, metaBox.end - metaBox.start), 4); // FullBox: version, flags
  const pitm = meta.get("pitm");
  const primary = pitm ? new Cursor(pitm, 4).uint(pitm[0] === 0 ? 2 : 4) : undefined;
  const iprp = meta.get("iprp");
  const size = iprp ? await primarySize(iprp, primary) : undefined;
  const facts: MediaFacts = { format, ...size };
  const iinf = meta.get("iinf");
  const iloc = meta.get("iloc");
  const exifItem = iinf ? exifItemId(iinf) : undefined;
  if (exifItem === undefined || !iloc) return facts;
  const exif = await readItem(r, iloc, exifItem, meta.get("idat"));
  if (!exif || exif.length < 4) return facts;
  // The Exif item starts with the offset to its TIFF header (past an "Exif\0\0" most writers keep).
  const tiffStart = 4 + exif.readUInt32BE(0);
  return withTakenAt(facts, tiffStart < exif.length ? exifTakenAt(exif.subarray(tiffStart)) : undefined);
}

/** The payloads of the boxes inside a payload, by type (the first of each type). */
async function childPayloads(payload: Buffer, skip: number): Promise<Map<string, Buffer>> {
  const inner = new Reader(bufferSource(payload));
  const children = new Map<string, Buffer>();
  for await (const box of isoBoxes(inner, skip, payload.length)) {
    if (!children.has(box.type)) children.set(box.type, payload.subarray(box.start, box.end));
  }
  return children;
}

/** Size of the primary item from its ispe property (via ipma); else the largest ispe present. */
async function primarySize(iprp: Buffer, primary: number | undefined): Promise<{ width: number; height: number } | undefined> {
  const parts = await childPayloads(iprp, 0);
  const ipco = parts.get("ipco");
  if (!ipco) return undefined;
  const properties: Array<{ type: string; payload: Buffer }> = [];
  for await (const box of isoBoxes(new Reader(bufferSource(ipco)), 0, ipco.length)) {
    properties.push({ type: box.type, payload: ipco.subarray(box.start, box.end) });
  }
  const ispe = (payload: Buffer) => {
    const c = new Cursor(payload, 4);
    return { width: c.uint(4), height: c.uint(4) };
  };
  const ipma = parts.get("ipma");
  if (ipma && primary !== undefined) {
    for (const index of associatedProperties(ipma, primary)) {
      const property = properties[index - 1]; // 1-based; 0 means "none"
      if (property?.type === "ispe") return ispe(property.payload);
    }
  }
  const sizes = properties.filter((p) => p.type === "ispe").map((p) => ispe(p.payload));
  return sizes.sort((a, b) => b.width * b.height - a.width * a.height)[0];
}

function associatedProperties(ipma: Buffer, item: number): number[] {
  const c = new Cursor(ipma);
  const version = c.uint(1);
  const flags = c.uint(3);
  const entries = c.uint(4);
  for (let i = 0; i < entries; i++) {
    const id = c.uint(version < 1 ? 2 : 4);
    const count = c.uint(1);
    const indexes: number[] = [];
    for (let j = 0; j < count; j++) indexes.push(flags & 1 ? c.uint(2) & 0x7fff : c.uint(1) & 0x7f); // high bit: essential
    if (id === item) return indexes;
  }
  return [];
}

/** The item id whose infe says item_type "Exif". */
function exifItemId(iinf: Buffer): number | undefined {
  const c = new Cursor(iinf);
  const version = c.uint(1);
  c.uint(3);
  const entries = c.uint(version === 0 ? 2 : 4);
  for (let i = 0; i < entries; i++) {
    const size = c.uint(4);
    const start = c.offset;
    if (c.fourcc() === "infe" && size >= 16) {
      const version = c.uint(1);
      c.uint(3);
      if (version >= 2) {
        const id = c.uint(version === 2 ? 2 : 4);
        c.uint(2); // protection index
        if (c.fourcc() === "Exif") return id;
      }
    }
    if (size < 8) throw new MediaUnreadableError("HEIF: infe box of impossible size");
    c.offset = start - 4 + size;
  }
  return undefined;
}

/** An item's bytes located by iloc: in the file (construction 0) or in meta's idat (construction 1). */
async function readItem(r: Reader, iloc: Buffer, item: number, idat: Buffer | undefined): Promise<Buffer | undefined> {
  const c = new Cursor(iloc);
  const version = c.uint(1);
  c.uint(3);
  const sizes = c.uint(2);
  const [offsetSize, lengthSize, baseSize, indexSize] = [sizes >> 12, (sizes >> 8) & 15, (sizes >> 4) & 15, version > 0 ? sizes & 15 : 0];
  const count = c.uint(version < 2 ? 2 : 4);
  for (let i = 0; i < count; i++) {
    const id = c.uint(version < 2 ? 2 : 4);
    const construction = version > 0 ? c.uint(2) & 15 : 0;
    c.uint(2); // data reference index
    const base = c.uint(baseSize);
    const extents: Array<[number, number]> = [];
    const extentCount = c.uint(2);
    // Extents of zero-byte fields read nothing: 65535 of them per item would only spin.
    if (extentCount > 1 && offsetSize + lengthSize + indexSize === 0) throw new MediaUnreadableError("HEIF: iloc extents without fields");
    for (let n = extentCount; n > 0; n--) {
      c.uint(indexSize);
      extents.push([base + c.uint(offsetSize), c.uint(lengthSize)]);
    }
    if (id !== item) continue;
    const total = extents.reduce((sum, [, length]) => sum + length, 0);
    if (total > MAX_EXIF || construction > 1) return undefined;
    if (construction === 1) {
      const parts = extents.map(([offset, length]) => idat?.subarray(offset, offset + length));
      return parts.every((p, k) => p?.length === extents[k]![1]) ? Buffer.concat(parts as Buffer[]) : undefined;
    }
    return Buffer.concat(await Promise.all(extents.map(([offset, length]) => r.bytes(offset, length))));
  }
  return undefined;
}
