import type { FileContent } from "@baosong/core";
import type { BlobStore } from "@baosong/blobs";
import {
  DocumentError,
  DocTooLargeError,
  isReadableType,
  readAllBounded,
  readMediaFacts,
  type DocumentParser,
  type FileReadLimits,
  type RandomAccess,
} from "@baosong/documents";
import type { Logger } from "@baosong/log";
import type { ReadPart } from "@baosong/mail";

export interface ContentsReading {
  /** What was read from each part, by position; absent for a part nothing reads. */
  contents: Map<number, FileContent>;
  /** Parts whose media type the bytes made more precise (an OLE file as .xls or .doc). */
  mediaTypes: Map<number, string>;
}

/**
 * Reads what can be read of each part: sheets, documents and PDFs through the parser (a worker
 * thread), photos' and videos' headers by seeking in the blob. A bad file becomes an
 * `unreadable` content and a finding, never a crash.
 */
export async function readContents(
  blobs: BlobStore,
  parts: readonly ReadPart[],
  parser: DocumentParser,
  limits: FileReadLimits,
  logger: Logger,
): Promise<ContentsReading> {
  const contents = new Map<number, FileContent>();
  const mediaTypes = new Map<number, string>();
  for (const part of parts) {
    if (part.mediaType.startsWith("image/") || part.mediaType.startsWith("video/")) {
      const media = await mediaFacts(blobs, part, logger);
      if (media) contents.set(part.position, { media });
      continue;
    }
    if (!isReadableType(part.mediaType)) continue;
    const bytes = await bytesWithin(blobs, part, limits.maxBytes);
    if (!bytes) {
      contents.set(part.position, { unreadable: { code: "FILE_TOO_LARGE", detail: `${part.sizeBytes} bytes, more than ${limits.maxBytes}` } });
      continue;
    }
    const reading = await parser.parse(bytes, part.mediaType, limits);
    contents.set(part.position, reading.content);
    if (reading.mediaType !== part.mediaType) mediaTypes.set(part.position, reading.mediaType);
  }
  return { contents, mediaTypes };
}

/** A photo whose headers we cannot make out is still a photo: kept, without its facts. */
async function mediaFacts(blobs: BlobStore, part: ReadPart, logger: Logger) {
  try {
    return await readMediaFacts(readAhead(part.sizeBytes, (offset, length) => blobs.read(part.blobKey, offset, length)));
  } catch (err) {
    if (!(err instanceof DocumentError)) throw err;
    logger.warn({ msg: "media headers unreadable", action: "mail.ingest", file: part.sha256, err: err.message });
    return null;
  }
}

/**
 * A photo's EXIF and dimensions sit in its first few KB, read in a dozen small reads: each read
 * that misses fetches `window` bytes, so a JPEG costs one open of its blob, not one per segment,
 * and a video's moov at the end a few. Holds one window at a time. Past `budget` bytes fetched
 * it reads only what is asked: a hostile file seeking all over (the reader allows thousands of
 * small reads) must not turn each into a window's worth of disk reads.
 */
export function readAhead(size: number, read: RandomAccess["read"], window = 64 * 1024, budget = 1024 * 1024): RandomAccess {
  let cached: { offset: number; bytes: Buffer } = { offset: 0, bytes: Buffer.alloc(0) };
  let fetched = 0;
  return {
    size,
    async read(offset, length) {
      const end = offset + length;
      if (offset >= cached.offset && end <= cached.offset + cached.bytes.length) return cached.bytes.subarray(offset - cached.offset, end - cached.offset);
      const ahead = fetched < budget ? Math.min(window, size - offset) : 0;
      cached = { offset, bytes: await read(offset, Math.max(length, ahead)) };
      fetched += cached.bytes.length;
      return cached.bytes.subarray(0, length);
    },
  };
}

/** The file's bytes, or null when it is larger than the readers take (checked by its stored size first). */
async function bytesWithin(blobs: BlobStore, part: ReadPart, maxBytes: number): Promise<Buffer | null> {
  if (part.sizeBytes > maxBytes) return null;
  try {
    return await readAllBounded(blobs.open(part.blobKey), maxBytes, () => new DocTooLargeError("bytes", maxBytes));
  } catch (err) {
    if (err instanceof DocTooLargeError) return null;
    throw err;
  }
}
