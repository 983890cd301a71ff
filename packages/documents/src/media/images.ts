import type { MediaFacts } from "@baosong/core";
import { MediaUnreadableError } from "../errors.ts";
import { exifTakenAt, MAX_EXIF, withTakenAt } from "./exif.ts";
import { ascii, type Reader } from "./reader.ts";
import { riffChunks } from "./riff.ts";

export async function readJpeg(r: Reader): Promise<MediaFacts> {
  let offset = 2;
  let size: { width: number; height: number } | undefined;
  let takenAt: string | undefined;
  let sawExif = false;
  while (!size) {
    const marker = await r.bytes(offset, 4);
    if (marker[0] !== 0xff) throw new MediaUnreadableError(`JPEG: no marker at ${offset}`);
    const code = marker[1]!;
    if (code === 0xff) {
      offset += 1;
      continue;
    } // fill byte
    if (code === 0x01 || (code >= 0xd0 && code <= 0xd7)) {
      offset += 2;
      continue;
    } // no length
    if (code === 0xd9 || code === 0xda) throw new MediaUnreadableError("JPEG: image data before any frame header");
    const length = marker.readUInt16BE(2);
    if (length < 2) throw new MediaUnreadableError(`JPEG: segment of length ${length}`);
    // SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC).
    if (code >= 0xc0 && code <= 0xcf && code !== 0xc4 && code !== 0xc8 && code !== 0xcc) {
      const sof = await r.bytes(offset + 4, 5);
      size = { height: sof.readUInt16BE(1), width: sof.readUInt16BE(3) };
    } else if (code === 0xe1 && !sawExif && length > 8) {
      // APP1 is also XMP, and extended XMP (depth maps, motion photos) fills dozens of them: peek first.
      if (ascii(await r.bytes(offset + 4, 6), 0, 6) === "Exif\0\0") {
        sawExif = true;
        takenAt = exifTakenAt(await r.bytes(offset + 10, length - 8));
      }
    }
    offset += 2 + length;
  }
  // A height of 0 means "given later by DNL", which no camera does; report what is known.
  const facts: MediaFacts = { format: "jpeg", width: size.width };
  if (size.height > 0) facts.height = size.height;
  return withTakenAt(facts, takenAt);
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Past this many chunks we stop looking for eXIf: a PNG cut into thousands of IDATs holds nothing else of use. */
const PNG_MAX_CHUNKS = 1024;

export async function readPng(r: Reader): Promise<MediaFacts> {
  const ihdr = await r.bytes(8, 16);
  if (ascii(ihdr, 4, 8) !== "IHDR") throw new MediaUnreadableError("PNG: first chunk is not IHDR");
  const facts: MediaFacts = { format: "png", width: ihdr.readUInt32BE(8), height: ihdr.readUInt32BE(12) };
  let offset = 8;
  for (let i = 0; i < PNG_MAX_CHUNKS && offset + 8 <= r.size; i++) {
    const header = await r.bytes(offset, 8);
    const length = header.readUInt32BE(0);
    const type = ascii(header, 4, 8);
    if (type === "IEND") break;
    if (offset + 12 + length > r.size) throw new MediaUnreadableError(`PNG: chunk ${type} runs past the end`);
    if (type === "eXIf" && length <= MAX_EXIF) return withTakenAt(facts, exifTakenAt(await r.bytes(offset + 8, length)));
    offset += 12 + length; // length, type, data, CRC
  }
  return facts;
}

/** GIF's logical screen size follows its six-byte signature. */
export const readGif = (head: Buffer): MediaFacts => ({ format: "gif", width: head.readUInt16LE(6), height: head.readUInt16LE(8) });

export async function readWebp(r: Reader): Promise<MediaFacts> {
  const first = await r.bytes(12, 18);
  const type = ascii(first, 0, 4);
  const data = first.subarray(8);
  if (type === "VP8 ") {
    if (data.readUIntBE(3, 3) !== 0x9d012a) throw new MediaUnreadableError("WebP: VP8 frame without its start code");
    return { format: "webp", width: data.readUInt16LE(6) & 0x3fff, height: data.readUInt16LE(8) & 0x3fff };
  }
  if (type === "VP8L") {
    if (data[0] !== 0x2f) throw new MediaUnreadableError("WebP: VP8L without its signature");
    const bits = data.readUInt32LE(1);
    return { format: "webp", width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (type !== "VP8X") throw new MediaUnreadableError(`WebP: unknown first chunk ${JSON.stringify(type)}`);
  const facts: MediaFacts = { format: "webp", width: data.readUIntLE(4, 3) + 1, height: data.readUIntLE(7, 3) + 1 };
  const hasExif = (data[0]! & 0x08) !== 0;
  if (!hasExif) return facts;
  for await (const chunk of riffChunks(r, 12, r.size)) {
    if (chunk.type !== "EXIF" || chunk.end - chunk.start > MAX_EXIF) continue;
    const exif = await r.bytes(chunk.start, chunk.end - chunk.start);
    // Some writers keep JPEG's "Exif\0\0" prefix in front of the TIFF header.
    return withTakenAt(facts, exifTakenAt(ascii(exif, 0, 6) === "Exif\0\0" ? exif.subarray(6) : exif));
  }
  return facts;
}
