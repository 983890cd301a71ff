import { createHash, type Hash } from "node:crypto";
import { type FileHandle, open } from "node:fs/promises";
import { Writable } from "node:stream";
import { BlobTooLargeError, HEAD_BYTES } from "./blob-store.ts";

/**
 * The one pass over a blob's bytes as they arrive: hashed, measured, its head kept for type
 * detection, and gathered in memory until `spillAt` bytes; past that everything so far and what
 * follows goes to a temp file in writes of about `spillAt` bytes each. Memory stays at most
 * `spillAt` plus one chunk, however large the blob.
 */
export class HashingSink extends Writable {
  size = 0;
  /** The temp file, once the blob outgrew memory; the caller renames or removes it. */
  spilled: { path: string } | null = null;
  private readonly hash: Hash = createHash("sha256");
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private headBytes: Buffer | null = null;
  private file: FileHandle | null = null;

  constructor(
    private readonly maxBytes: number | undefined,
    private readonly spillAt: number,
    private readonly spillPath: () => Promise<string>,
  ) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.size += chunk.length;
    if (this.maxBytes !== undefined && this.size > this.maxBytes) {
      done(new BlobTooLargeError(this.maxBytes));
      return;
    }
    this.hash.update(chunk);
    if (!this.headBytes && this.size >= HEAD_BYTES) this.headBytes = Buffer.concat([...this.pending, chunk]).subarray(0, HEAD_BYTES);
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes < this.spillAt) done();
    else this.flush().then(() => done(), done);
  }

  override _final(done: (err?: Error | null) => void): void {
    if (!this.file) done();
    else
      this.flush()
        .then(() => this.closeFile())
        .then(() => done(), done);
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.closeFile().then(
      () => done(err),
      () => done(err),
    );
  }

  digest(): string {
    return this.hash.digest("hex");
  }

  /** The first bytes, for detecting the real type without reading the blob again. */
  head(): Buffer {
    return this.headBytes ?? Buffer.concat(this.pending).subarray(0, HEAD_BYTES);
  }

  /** The whole blob, when it never spilled. */
  memory(): Buffer {
    return Buffer.concat(this.pending, this.pendingBytes);
  }

  private async flush(): Promise<void> {
    if (!this.file) {
      const path = await this.spillPath();
      this.spilled = { path };
      this.file = await open(path, "wx", 0o600);
    }
    const chunks = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    await this.file.writev(chunks);
  }

  private async closeFile(): Promise<void> {
    const file = this.file;
    this.file = null;
    await file?.close();
  }
}
