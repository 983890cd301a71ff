import { Readable } from "node:stream";
import type { ReadableStream } from "node:stream/web";
import { fileTypeFromBuffer, fileTypeFromStream } from "file-type";
import type { BlobStore } from "@baosong/blobs";

/**
 * The real type from the bytes, not the name or the declared Content-Type. ZIP-based
 * Office files need more than the first bytes, so those are read from the blob as a stream.
 */
export async function detectMediaType(blobs: BlobStore, key: string, head: Buffer): Promise<string | null> {
  const quick = await fileTypeFromBuffer(head);
  if (quick && quick.mime !== "application/zip" && quick.mime !== "application/x-cfb") return quick.mime;
  if (!quick) return null;
  const stream = blobs.open(key);
  try {
    // file-type 22 reads web streams only.
    const full = await fileTypeFromStream(Readable.toWeb(stream) as ReadableStream<Uint8Array>);
    return full?.mime ?? quick.mime;
  } finally {
    stream.destroy();
  }
}
