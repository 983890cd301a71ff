import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { type FileHandle, mkdir, open, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { BlobNotFoundError, BlobTooLargeError, HEAD_BYTES, keyOf, shaOf, type BlobStore, type StoredBlob } from "./blob-store.ts";

/**
 * A directory laid out as `<root>/ab/cd/<sha256>`. Paths come only from hex digests, so no
 * name from a mail ever reaches the file system (SPEC §8).
 */
export class LocalBlobStore implements BlobStore {
  constructor(private readonly root: string) {}

  async put(content: Readable, options: { maxBytes?: number } = {}): Promise<StoredBlob> {
    const tmpDir = join(this.root, "tmp");
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, `${Date.now()}-${randomBytes(6).toString("hex")}`);
    const hash = createHash("sha256");
    let size = 0;
    const headChunks: Buffer[] = [];
    let headLength = 0;
    const limit = options.maxBytes;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (limit !== undefined && size > limit) return done(new BlobTooLargeError(limit));
        hash.update(chunk);
        if (headLength < HEAD_BYTES) {
          headChunks.push(chunk.subarray(0, HEAD_BYTES - headLength));
          headLength += Math.min(chunk.length, HEAD_BYTES - headLength);
        }
        done(null, chunk);
      },
    });
    try {
      await pipeline(content, meter, createWriteStream(tmp));
      const sha256 = hash.digest("hex");
      const final = this.pathOf(sha256);
      await mkdir(join(final, ".."), { recursive: true });
      // rename is atomic: a reader never sees half a blob, and a repeat put of the same
      // bytes simply replaces identical content.
      await rename(tmp, final);
      return { key: keyOf(sha256), sha256, size, head: Buffer.concat(headChunks) };
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  open(key: string): Readable {
    const path = this.pathOf(shaOf(key));
    const stream = createReadStream(path);
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") stream.emit("blob-missing", new BlobNotFoundError(key));
    });
    return stream;
  }

  async has(key: string): Promise<boolean> {
    try {
      await stat(this.pathOf(shaOf(key)));
      return true;
    } catch {
      return false;
    }
  }

  async size(key: string): Promise<number> {
    try {
      return (await stat(this.pathOf(shaOf(key)))).size;
    } catch {
      throw new BlobNotFoundError(key);
    }
  }

  async read(key: string, offset: number, length: number): Promise<Buffer> {
    let handle: FileHandle;
    try {
      handle = await open(this.pathOf(shaOf(key)), "r");
    } catch {
      throw new BlobNotFoundError(key);
    }
    try {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buf, 0, length, offset);
      return buf.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  private pathOf(sha256: string): string {
    return join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }
}
