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
    const full = await fileTypeFromStream(stream);
    return full?.mime ?? quick.mime;
  } finally {
    stream.destroy();
  }
}
