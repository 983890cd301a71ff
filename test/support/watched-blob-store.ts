import type { Readable } from "node:stream";
import { storeBytes, type BlobStore, type StoredBlob } from "@baosong/blobs";

/**
 * A real blob store that counts puts, to prove what was downloaded and stored; `beforePut`
 * runs first with the put's number and may throw, as a full disk would (the content is
 * drained then, as a failing store leaves no stream half read).
 */
export class WatchedBlobStore implements BlobStore {
  puts = 0;
  beforePut: (n: number) => void = () => undefined;
  constructor(private readonly inner: BlobStore) {}

  async put(content: Readable, options?: { maxBytes?: number }): Promise<StoredBlob> {
    try {
      this.beforePut(++this.puts);
    } catch (err) {
      content.resume();
      throw err;
    }
    return this.inner.put(content, options);
  }
  async putBytes(bytes: Buffer, options?: { maxBytes?: number }): Promise<StoredBlob> {
    this.beforePut(++this.puts);
    return storeBytes(this.inner, bytes, options);
  }
  open(key: string): Readable {
    return this.inner.open(key);
  }
  has(key: string): Promise<boolean> {
    return this.inner.has(key);
  }
  size(key: string): Promise<number> {
    return this.inner.size(key);
  }
  read(key: string, offset: number, length: number): Promise<Buffer> {
    return this.inner.read(key, offset, length);
  }
}

/** What a full disk throws. */
export function diskFull(): Error {
  return Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
}
