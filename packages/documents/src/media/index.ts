import type { MediaFacts } from "@baosong/core";
import { MediaUnreadableError } from "../errors.ts";
import { ASF_HEADER, readAsf } from "./asf.ts";
import { readAvi } from "./avi.ts";
import { readHeif } from "./heif.ts";
import { PNG_SIGNATURE, readGif, readJpeg, readPng, readWebp } from "./images.ts";
import { readMovie } from "./movie.ts";
import { ascii, Reader, type RandomAccess } from "./reader.ts";

export { bufferSource, type RandomAccess } from "./reader.ts";
export { exifTakenAt } from "./exif.ts";

/**
 * Reads what a photo or video says about itself from its headers: format, stored width and
 * height, EXIF DateTimeOriginal (DateTime as fallback), and a container's duration. Never decodes
 * pixels or frames. Returns null for a format it does not know; throws MediaUnreadableError when a
 * known format's headers are damaged or truncated.
 */
export async function readMediaFacts(source: RandomAccess): Promise<MediaFacts | null> {
  const r = new Reader(source);
  if (r.size < 12) return null;
  const head = await r.bytes(0, Math.min(r.size, 32));
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return readJpeg(r);
  if (head.subarray(0, 8).equals(PNG_SIGNATURE)) return readPng(r);
  if (/^GIF8[79]a$/u.test(ascii(head, 0, 6))) return readGif(head);
  if (ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 12) === "WEBP") return readWebp(r);
  if (ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 12) === "AVI ") return readAvi(r);
  if (head.subarray(0, 16).equals(ASF_HEADER)) return readAsf(r);
  if (ascii(head, 4, 8) === "ftyp") return readIsoBmff(r, head);
  // QuickTime before ftyp existed starts straight with its atoms.
  if (["moov", "mdat", "wide"].includes(ascii(head, 4, 8))) return readMovie(r, "mov");
  return null;
}

const HEIF_BRANDS = new Set(["heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1"]);
const AVIF_BRANDS = new Set(["avif", "avis"]);

/** ISO base media (MP4, MOV, 3GP, HEIC, AVIF): the ftyp brands say which. */
async function readIsoBmff(r: Reader, head: Buffer): Promise<MediaFacts> {
  const ftypSize = head.readUInt32BE(0);
  if (ftypSize < 16 || ftypSize > 4096 || ftypSize > r.size) throw new MediaUnreadableError(`ftyp box of size ${ftypSize}`);
  const ftyp = await r.bytes(8, ftypSize - 8);
  const major = ascii(ftyp, 0, 4);
  const brands = [major];
  for (let o = 8; o + 4 <= ftyp.length; o += 4) brands.push(ascii(ftyp, o, o + 4));
  if (AVIF_BRANDS.has(major) || (HEIF_BRANDS.has(major) && brands.some((b) => AVIF_BRANDS.has(b)) && !brands.includes("heic"))) {
    return readHeif(r, "avif");
  }
  if (HEIF_BRANDS.has(major)) return readHeif(r, "heic");
  if (major === "qt  ") return readMovie(r, "mov");
  if (major.startsWith("3gp") || major.startsWith("3g2")) return readMovie(r, "3gp");
  return readMovie(r, "mp4");
}
