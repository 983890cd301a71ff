import type { MediaFacts } from "@baosong/core";
import { ascii } from "./reader.ts";

/** An EXIF block is at most 64 KiB in a JPEG; HEIC and PNG get the same room. */
export const MAX_EXIF = 64 * 1024;

// EXIF is a TIFF structure: a byte-order mark, 42, then IFDs of 12-byte tag entries.
const TAG_DATE_TIME = 0x0132;
const TAG_EXIF_IFD = 0x8769;
const TAG_DATE_TIME_ORIGINAL = 0x9003;

/**
 * DateTimeOriginal from the ExifIFD, else DateTime from IFD0, as "YYYY-MM-DD HH:mm:ss". A damaged
 * EXIF block only costs the date: the picture's size is still worth reporting.
 */
export function exifTakenAt(tiff: Buffer): string | undefined {
  if (tiff.length < 8) return undefined;
  const order = ascii(tiff, 0, 2);
  if (order !== "II" && order !== "MM") return undefined;
  const le = order === "II";
  const u16 = (o: number) => (o + 2 <= tiff.length ? (le ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o)) : undefined);
  const u32 = (o: number) => (o + 4 <= tiff.length ? (le ? tiff.readUInt32LE(o) : tiff.readUInt32BE(o)) : undefined);
  if (u16(2) !== 42) return undefined;

  const entries = (ifd: number | undefined): Map<number, number> => {
    const tags = new Map<number, number>(); // tag → offset of its 12-byte entry
    const count = ifd === undefined ? undefined : u16(ifd);
    if (ifd === undefined || count === undefined || ifd + 2 + count * 12 > tiff.length) return tags;
    for (let i = 0; i < count; i++) tags.set(u16(ifd + 2 + i * 12)!, ifd + 2 + i * 12);
    return tags;
  };
  const text = (entry: number | undefined): string | undefined => {
    if (entry === undefined || u16(entry + 2) !== 2) return undefined; // type 2 = ASCII
    const count = u32(entry + 4)!;
    const start = count <= 4 ? entry + 8 : u32(entry + 8)!;
    if (start + count > tiff.length) return undefined;
    return ascii(tiff, start, start + count);
  };
  const ifd0 = entries(u32(4));
  const exifPointer = ifd0.get(TAG_EXIF_IFD);
  const exif = entries(exifPointer === undefined ? undefined : u32(exifPointer + 8));
  return exifDate(text(exif.get(TAG_DATE_TIME_ORIGINAL))) ?? exifDate(text(ifd0.get(TAG_DATE_TIME)));
}

/** "2022:05:16 09:30:00" → "2022-05-16 09:30:00"; blanks and zeros ("0000:00:00 00:00:00") are no date. */
function exifDate(raw: string | undefined): string | undefined {
  const m = /^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})/u.exec(raw ?? "");
  if (!m || m[1] === "0000" || m[2] === "00" || m[3] === "00") return undefined;
  return `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}`;
}

export const withTakenAt = (facts: MediaFacts, takenAt: string | undefined): MediaFacts => (takenAt ? { ...facts, takenAt } : facts);
