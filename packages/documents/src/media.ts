import type { MediaFacts } from "@baosong/core";
import { MediaUnreadableError } from "./errors.ts";

/**
 * A file that can be read at any offset without loading it whole: the worker adapts its blob
 * store's `read(key, offset, length)` to it, so a 2 GB video costs a few small reads.
 */
export interface RandomAccess {
  size: number;
  read(offset: number, length: number): Promise<Buffer>;
}

/** A RandomAccess over bytes already in memory (tests, small attachments). */
export function bufferSource(buf: Buffer): RandomAccess {
  return { size: buf.length, read: async (offset, length) => buf.subarray(offset, offset + length) };
}

/** Headers, EXIF and the parts of moov/meta we read add up to far less; a file asking for more is hostile. */
const MAX_BYTES = 2 * 1024 * 1024;
/** Seeking box and chunk headers costs one read each; this bounds a file of a million tiny boxes. */
const MAX_READS = 4096;
/** An EXIF block is at most 64 KiB in a JPEG; HEIC and PNG get the same room. */
const MAX_EXIF = 64 * 1024;

/** Every read goes through here: lengths are checked against the file and the budget before a byte is allocated. */
class Reader {
  private bytesRead = 0;
  private reads = 0;
  constructor(private readonly source: RandomAccess) {}

  get size(): number {
    return this.source.size;
  }

  async bytes(offset: number, length: number): Promise<Buffer> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new MediaUnreadableError(`truncated: wants bytes ${offset}+${length} of ${this.size}`);
    }
    this.bytesRead += length;
    this.reads += 1;
    if (this.bytesRead > MAX_BYTES || this.reads > MAX_READS) throw new MediaUnreadableError("headers larger than any real file's");
    const buf = await this.source.read(offset, length);
    if (buf.length !== length) throw new MediaUnreadableError(`short read at ${offset}: ${buf.length} of ${length} bytes`);
    return buf;
  }
}

const ascii = (buf: Buffer, start: number, end: number): string => buf.toString("latin1", start, end);

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
  if (/^GIF8[79]a$/u.test(ascii(head, 0, 6))) return { format: "gif", width: head.readUInt16LE(6), height: head.readUInt16LE(8) };
  if (ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 12) === "WEBP") return readWebp(r);
  if (ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 12) === "AVI ") return readAvi(r);
  if (head.subarray(0, 16).equals(ASF_HEADER)) return readAsf(r);
  if (ascii(head, 4, 8) === "ftyp") return readIsoBmff(r, head);
  // QuickTime before ftyp existed starts straight with its atoms.
  if (["moov", "mdat", "wide"].includes(ascii(head, 4, 8))) return readMovie(r, "mov");
  return null;
}

// ---- EXIF (a TIFF structure) ------------------------------------------------------------------

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

const withTakenAt = (facts: MediaFacts, takenAt: string | undefined): MediaFacts => (takenAt ? { ...facts, takenAt } : facts);

// ---- JPEG, PNG, WebP --------------------------------------------------------------------------

async function readJpeg(r: Reader): Promise<MediaFacts> {
  let offset = 2;
  let size: { width: number; height: number } | undefined;
  let takenAt: string | undefined;
  let sawExif = false;
  while (!size) {
    const marker = await r.bytes(offset, 4);
    if (marker[0] !== 0xff) throw new MediaUnreadableError(`JPEG: no marker at ${offset}`);
    const code = marker[1]!;
    if (code === 0xff) { offset += 1; continue; } // fill byte
    if (code === 0x01 || (code >= 0xd0 && code <= 0xd7)) { offset += 2; continue; } // no length
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

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Past this many chunks we stop looking for eXIf: a PNG cut into thousands of IDATs holds nothing else of use. */
const PNG_MAX_CHUNKS = 1024;

async function readPng(r: Reader): Promise<MediaFacts> {
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

async function readWebp(r: Reader): Promise<MediaFacts> {
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

// ---- RIFF: AVI ----------------------------------------------------------------------------------

interface Span {
  type: string;
  /** Where the payload starts (after the header) and ends, in file offsets. */
  start: number;
  end: number;
}

/** RIFF chunks between start and end: 4-char id, little-endian u32 size, payload padded to even. */
async function* riffChunks(r: Reader, start: number, end: number): AsyncGenerator<Span> {
  for (let offset = start; offset + 8 <= end; ) {
    const header = await r.bytes(offset, 8);
    const size = header.readUInt32LE(4);
    if (offset + 8 + size > end) throw new MediaUnreadableError(`RIFF: chunk ${ascii(header, 0, 4)} runs past its parent`);
    yield { type: ascii(header, 0, 4), start: offset + 8, end: offset + 8 + size };
    offset += 8 + size + (size & 1);
  }
}

async function readAvi(r: Reader): Promise<MediaFacts> {
  const facts: MediaFacts = { format: "avi" };
  // Only the header list: the movi list after it holds the frames.
  for await (const chunk of riffChunks(r, 12, r.size)) {
    if (chunk.type !== "LIST") continue;
    const listType = ascii(await r.bytes(chunk.start, 4), 0, 4);
    if (listType !== "hdrl") continue;
    let totalFrames: number | undefined;
    let microsPerFrame = 0;
    for await (const sub of riffChunks(r, chunk.start + 4, chunk.end)) {
      if (sub.type === "avih" && sub.end - sub.start >= 40) {
        const avih = await r.bytes(sub.start, 40);
        microsPerFrame = avih.readUInt32LE(0);
        totalFrames ??= avih.readUInt32LE(16);
        facts.width = avih.readUInt32LE(32);
        facts.height = avih.readUInt32LE(36);
      } else if (sub.type === "LIST" && ascii(await r.bytes(sub.start, 4), 0, 4) === "odml") {
        // OpenDML (AVI over 1 GB): avih counts only the first RIFF's frames, dmlh counts them all.
        for await (const d of riffChunks(r, sub.start + 4, sub.end)) {
          if (d.type === "dmlh" && d.end - d.start >= 4) totalFrames = (await r.bytes(d.start, 4)).readUInt32LE(0);
        }
      }
    }
    if (microsPerFrame > 0 && totalFrames) facts.durationSeconds = Math.round((microsPerFrame * totalFrames) / 1e6);
    return facts;
  }
  throw new MediaUnreadableError("AVI: no hdrl header list");
}

// ---- ASF: WMV -----------------------------------------------------------------------------------

/** ASF GUIDs as stored: the first three fields little-endian. */
const guid = (text: string): Buffer => {
  const hex = text.replace(/-/gu, "");
  const b = Buffer.from(hex, "hex");
  return Buffer.concat([Buffer.from(b.subarray(0, 4)).reverse(), Buffer.from(b.subarray(4, 6)).reverse(), Buffer.from(b.subarray(6, 8)).reverse(), b.subarray(8)]);
};
const ASF_HEADER = guid("75B22630-668E-11CF-A6D9-00AA0062CE6C");
const ASF_FILE_PROPERTIES = guid("8CABDCA1-A947-11CF-8EE4-00C00C205365");
const ASF_STREAM_PROPERTIES = guid("B7DC0791-A9B7-11CF-8EE6-00C00C205365");
const ASF_VIDEO_MEDIA = guid("BC19EFC0-5B4D-11CF-A8FD-00805F5C442B");

async function readAsf(r: Reader): Promise<MediaFacts> {
  const header = await r.bytes(0, 30);
  const headerEnd = Number(header.readBigUInt64LE(16));
  if (headerEnd > r.size || headerEnd < 30) throw new MediaUnreadableError("ASF: header object runs past the end");
  const facts: MediaFacts = { format: "wmv" };
  let sawFileProperties = false;
  for (let offset = 30; offset + 24 <= headerEnd; ) {
    const object = await r.bytes(offset, 24);
    const size = Number(object.readBigUInt64LE(16));
    if (size < 24 || offset + size > headerEnd) throw new MediaUnreadableError("ASF: header object of impossible size");
    const id = object.subarray(0, 16);
    if (id.equals(ASF_FILE_PROPERTIES) && size >= 104) {
      const p = await r.bytes(offset + 24, 80);
      // Play duration in 100-ns units includes the preroll, which is in milliseconds.
      const seconds = Number(p.readBigUInt64LE(40)) / 1e7 - Number(p.readBigUInt64LE(56)) / 1e3;
      if (seconds > 0) facts.durationSeconds = Math.round(seconds);
      sawFileProperties = true;
    } else if (id.equals(ASF_STREAM_PROPERTIES) && size >= 24 + 54 + 8 && facts.width === undefined) {
      const s = await r.bytes(offset + 24, 54 + 8);
      if (s.subarray(0, 16).equals(ASF_VIDEO_MEDIA)) {
        facts.width = s.readUInt32LE(54);
        facts.height = s.readUInt32LE(58);
      }
    }
    offset += size;
  }
  if (!sawFileProperties) throw new MediaUnreadableError("ASF: no file properties object");
  return facts;
}

// ---- ISO base media: MP4, MOV, 3GP, HEIC, AVIF ----------------------------------------------------

/** Boxes between start and end, by seeking their headers; a payload is read only when asked for. */
async function* isoBoxes(r: Reader, start: number, end: number): AsyncGenerator<Span> {
  for (let offset = start; offset + 8 <= end; ) {
    const header = await r.bytes(offset, 8);
    let size = header.readUInt32BE(0);
    let headerSize = 8;
    if (size === 1) {
      size = Number((await r.bytes(offset + 8, 8)).readBigUInt64BE(0));
      headerSize = 16;
    } else if (size === 0) {
      size = end - offset; // "to the end of the file"
    }
    const type = ascii(header, 4, 8);
    if (size < headerSize || offset + size > end) throw new MediaUnreadableError(`ISO BMFF: box ${JSON.stringify(type)} of size ${size} at ${offset} does not fit`);
    yield { type, start: offset + headerSize, end: offset + size };
    offset += size;
  }
}

async function findBox(r: Reader, start: number, end: number, type: string): Promise<Span | undefined> {
  for await (const box of isoBoxes(r, start, end)) if (box.type === type) return box;
  return undefined;
}

const HEIF_BRANDS = new Set(["heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1"]);
const AVIF_BRANDS = new Set(["avif", "avis"]);

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

async function readMovie(r: Reader, format: string): Promise<MediaFacts> {
  // moov may sit after a multi-gigabyte mdat (the phone writes it last): seek past, never read.
  const moov = await findBox(r, 0, r.size, "moov");
  if (!moov) throw new MediaUnreadableError(`${format}: no moov box (a recording cut off before it was finished?)`);
  const facts: MediaFacts = { format };
  let timescale = 0;
  let duration: number | undefined;
  let sizedTrack: { width: number; height: number } | undefined;
  for await (const box of isoBoxes(r, moov.start, moov.end)) {
    if (box.type === "mvhd") {
      const mvhd = await r.bytes(box.start, Math.min(box.end - box.start, 32));
      const v1 = mvhd[0] === 1;
      if (mvhd.length < (v1 ? 32 : 20)) throw new MediaUnreadableError("mvhd too short");
      timescale = mvhd.readUInt32BE(v1 ? 20 : 12);
      duration ||= fullDuration(mvhd, v1 ? 24 : 16, v1);
    } else if (box.type === "mvex") {
      // A fragmented MP4 leaves mvhd's duration 0 and may give the whole in mehd.
      const mehd = await findBox(r, box.start, box.end, "mehd");
      const payload = mehd && (await r.bytes(mehd.start, Math.min(mehd.end - mehd.start, 12)));
      if (payload && payload.length >= (payload[0] === 1 ? 12 : 8)) duration ||= fullDuration(payload, 4, payload[0] === 1);
    } else if (box.type === "trak" && !facts.width) {
      const track = await readTrack(r, box);
      if (track?.video) Object.assign(facts, { width: track.width, height: track.height });
      else if (track && !sizedTrack && track.width > 0) sizedTrack = track;
    }
  }
  if (!facts.width && sizedTrack) Object.assign(facts, { width: sizedTrack.width, height: sizedTrack.height });
  if (timescale > 0 && duration) facts.durationSeconds = Math.round(duration / timescale);
  return facts;
}

/** A 32- or 64-bit duration; all ones means "unknown" (ISO/IEC 14496-12). */
function fullDuration(buf: Buffer, at: number, wide: boolean): number | undefined {
  const value = wide ? buf.readBigUInt64BE(at) : BigInt(buf.readUInt32BE(at));
  return value === (wide ? 0xffffffffffffffffn : 0xffffffffn) ? undefined : Number(value);
}

/** tkhd's width and height (16.16 fixed point) and whether mdia/hdlr calls the track video. */
async function readTrack(r: Reader, trak: Span): Promise<{ width: number; height: number; video: boolean } | undefined> {
  let size: { width: number; height: number } | undefined;
  let video = false;
  for await (const box of isoBoxes(r, trak.start, trak.end)) {
    if (box.type === "tkhd") {
      const tkhd = await r.bytes(box.start, Math.min(box.end - box.start, 96));
      const at = tkhd[0] === 1 ? 88 : 76;
      if (tkhd.length < at + 8) throw new MediaUnreadableError("tkhd too short");
      size = { width: Math.round(tkhd.readUInt32BE(at) / 65536), height: Math.round(tkhd.readUInt32BE(at + 4) / 65536) };
    } else if (box.type === "mdia") {
      const hdlr = await findBox(r, box.start, box.end, "hdlr");
      if (hdlr && hdlr.end - hdlr.start >= 12) video = ascii(await r.bytes(hdlr.start + 8, 4), 0, 4) === "vide";
    }
  }
  return size && { ...size, video };
}

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

async function readHeif(r: Reader, format: "heic" | "avif"): Promise<MediaFacts> {
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
