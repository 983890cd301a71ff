import { Readable } from "node:stream";

/** What putting a stream into the store tells about it. */
export interface StoredBlob {
  /** `sha256:<hex>`: the content address, also the key to open it again. */
  key: string;
  sha256: string;
  size: number;
  /** The first bytes, for detecting the real type without reading the blob again. */
  head: Buffer;
}

/**
 * Content-addressed storage for raw mails and files. Putting the same bytes twice stores
 * them once. Streams in and out: a video of hundreds of MB is never held in memory.
 */
export interface BlobStore {
  put(content: Readable, options?: { maxBytes?: number }): Promise<StoredBlob>;
  /**
   * As `put`, for bytes already in memory (a fetched mail, a body text): no stream to drive.
   * Optional; call it through `storeBytes`, which falls back to `put`.
   */
  putBytes?(bytes: Buffer, options?: { maxBytes?: number }): Promise<StoredBlob>;
  open(key: string): Readable;
  has(key: string): Promise<boolean>;
  size(key: string): Promise<number>;
  /**
   * Up to `length` bytes from `offset` (fewer at the end): for readers that seek, like a
   * video's header at the end of 300 MB, without streaming the rest.
   */
  read(key: string, offset: number, length: number): Promise<Buffer>;
}

/** Stores bytes already in memory, directly where the store can and as a one-chunk stream where it cannot. */
export function storeBytes(store: BlobStore, bytes: Buffer, options?: { maxBytes?: number }): Promise<StoredBlob> {
  return store.putBytes ? store.putBytes(bytes, options) : store.put(Readable.from([bytes], { objectMode: false }), options);
}

export class BlobTooLargeError extends Error {
  readonly code = "BLOB_TOO_LARGE";
  constructor(readonly limit: number) {
    super(`content exceeds the limit of ${limit} bytes`);
  }
}

export class BlobNotFoundError extends Error {
  readonly code = "BLOB_NOT_FOUND";
  constructor(readonly key: string) {
    super(`no blob ${key}`);
  }
}

export const HEAD_BYTES = 4100;

export function keyOf(sha256: string): string {
  return `sha256:${sha256}`;
}

export function shaOf(key: string): string {
  const m = /^sha256:([0-9a-f]{64})$/.exec(key);
  if (!m?.[1]) throw new BlobNotFoundError(key);
  return m[1];
}
