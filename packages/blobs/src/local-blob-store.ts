import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { type FileHandle, mkdir, open, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { BlobNotFoundError, BlobTooLargeError, HEAD_BYTES, keyOf, shaOf, type BlobStore, type StoredBlob } from "./blob-store.ts";
import { HashingSink } from "./hashing-sink.ts";
import { RecentBlobs } from "./recent-blobs.ts";

/**
 * Blobs up to this size are gathered in memory while they are hashed and written only when the
 * store does not have them yet; larger ones stream to a temp file. Most parts of a mail (forms,
 * reports, the raw mails themselves) are below it; videos and most photos are not.
 */
const IN_MEMORY_BYTES = 256 * 1024;

/**
 * Small blobs a read() returned whole are kept this long (in bytes) for the open() that
 * usually follows: the worker reads a small mail's header block, then parses and maybe
 * DKIM-checks the same mail, from memory instead of opening the file twice more.
 */
const RECENT_BYTES = 2 * 1024 * 1024;

/**
 * Bytes stored with putBytes up to this size are kept too: under `start` the poller stores a
 * small mail and the worker reads it moments later in the same process. The worker's first
 * read of a mail is this long, so it is the size that read would have kept.
 */
const REMEMBER_PUT_BYTES = 64 * 1024;

/**
 * A directory laid out as `<root>/ab/cd/<sha256>`. Paths come only from hex digests, so no
 * name from a mail ever reaches the file system (SPEC §8). A blob appears under its name only
 * by a rename of a complete temp file, so a reader never sees half a blob; the same bytes put
 * twice are stored once.
 */
export class LocalBlobStore implements BlobStore {
  private readonly tmpDir: string;
  /** Directories this process made or found: each `ab/cd` is made once, not once per blob (65,536 at most). */
  private readonly knownDirs = new Map<string, Promise<boolean>>();
  private readonly recent = new RecentBlobs(RECENT_BYTES);

  constructor(private readonly root: string) {
    this.tmpDir = join(root, "tmp");
  }

  async put(content: Readable, options: { maxBytes?: number } = {}): Promise<StoredBlob> {
    const sink = new HashingSink(options.maxBytes, IN_MEMORY_BYTES, () => this.spillPath());
    let tmp: string | null = null;
    try {
      await pipeline(content, sink);
      if (sink.spilled) tmp = sink.spilled.path;
      const sha256 = sink.digest();
      const final = this.pathOf(sha256);
      if (await this.lacks(final)) {
        tmp ??= await this.writeTemp(sink.memory());
        await this.settle(tmp, final);
        tmp = null;
      }
      return { key: keyOf(sha256), sha256, size: sink.size, head: sink.head() };
    } catch (err) {
      tmp ??= sink.spilled?.path ?? null;
      throw err;
    } finally {
      if (tmp) await rm(tmp, { force: true });
    }
  }

  /** Hashed in one call, written only when the store lacks them, as `put` writes a small blob. */
  async putBytes(bytes: Buffer, { maxBytes }: { maxBytes?: number } = {}): Promise<StoredBlob> {
    if (maxBytes !== undefined && bytes.length > maxBytes) throw new BlobTooLargeError(maxBytes);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const final = this.pathOf(sha256);
    if (await this.lacks(final)) {
      const tmp = await this.writeTemp(bytes);
      try {
        await this.settle(tmp, final);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
    }
    if (bytes.length <= REMEMBER_PUT_BYTES) this.recent.remember(keyOf(sha256), bytes);
    // A copy: a head viewing `bytes` would keep the caller's whole buffer alive with it.
    return { key: keyOf(sha256), sha256, size: bytes.length, head: Buffer.from(bytes.subarray(0, HEAD_BYTES)) };
  }

  open(key: string): Readable {
    const recent = this.recent.get(key);
    if (recent) return Readable.from([recent], { objectMode: false });
    const path = this.pathOf(shaOf(key));
    const stream = createReadStream(path);
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") stream.emit("blob-missing", new BlobNotFoundError(key));
    });
    return stream;
  }

  async has(key: string): Promise<boolean> {
    if (this.recent.get(key)) return true;
    return exists(this.pathOf(shaOf(key)));
  }

  async size(key: string): Promise<number> {
    const recent = this.recent.get(key);
    if (recent) return recent.length;
    try {
      return (await stat(this.pathOf(shaOf(key)))).size;
    } catch (err) {
      throw missingOr(err, key);
    }
  }

  async read(key: string, offset: number, length: number): Promise<Buffer> {
    const recent = this.recent.get(key);
    if (recent) return Buffer.from(recent.subarray(offset, offset + length));
    let handle: FileHandle;
    try {
      handle = await open(this.pathOf(shaOf(key)), "r");
    } catch (err) {
      throw missingOr(err, key);
    }
    try {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buf, 0, length, offset);
      const bytes = buf.subarray(0, bytesRead);
      // Fewer bytes than asked from the start: this is the whole blob.
      if (offset === 0 && bytesRead < length) this.recent.remember(key, bytes);
      return bytes;
    } finally {
      await handle.close();
    }
  }

  /** A new temp file holding `bytes`, for a blob that was small enough to gather in memory. */
  private async writeTemp(bytes: Buffer): Promise<string> {
    await this.ensureDir(this.tmpDir);
    const tmp = tempName(this.tmpDir);
    await writeFile(tmp, bytes, { flag: "wx", mode: 0o600 });
    return tmp;
  }

  /**
   * rename is atomic: the blob appears whole or not at all. Two puts of the same bytes racing
   * here both rename identical content; the last one wins and nothing changes for a reader.
   */
  private async settle(tmp: string, final: string): Promise<void> {
    const dir = join(final, "..");
    await this.ensureDir(dir);
    try {
      await rename(tmp, final);
    } catch (err) {
      // Someone removed the directory behind our back (an admin pruning): make it again, once.
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      this.knownDirs.delete(dir);
      await this.ensureDir(dir);
      await rename(tmp, final);
    }
  }

  /**
   * Whether the store lacks the blob at `final`. Its directory is made first: one this call just
   * made holds no blob yet, so only an older one is looked in (a put racing into the new
   * directory can only have stored the same bytes, renamed over by ours).
   */
  private async lacks(final: string): Promise<boolean> {
    return (await this.ensureDir(join(final, ".."))) || !(await exists(final));
  }

  /** Makes `dir` once per process; true only to the call that made it (it was missing). */
  private async ensureDir(dir: string): Promise<boolean> {
    const known = this.knownDirs.get(dir);
    if (known) {
      await known;
      return false;
    }
    const made = mkdir(dir, { recursive: true }).then((first) => first !== undefined);
    made.catch(() => this.knownDirs.delete(dir));
    this.knownDirs.set(dir, made);
    return made;
  }

  /** Where a large blob spills while it streams in; the temp dir is made once per store. */
  private spillPath(): Promise<string> {
    return this.ensureDir(this.tmpDir).then(() => tempName(this.tmpDir));
  }

  private pathOf(sha256: string): string {
    return join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }
}

/**
 * Only a file that is not there is a missing blob: the worker gives such a mail up for good.
 * Anything else (too many open files, a permission slip) is passed on, to be retried.
 */
function missingOr(err: unknown, key: string): Error {
  return (err as NodeJS.ErrnoException).code === "ENOENT" ? new BlobNotFoundError(key) : (err as Error);
}

function tempName(dir: string): string {
  return join(dir, `${Date.now()}-${randomBytes(6).toString("hex")}`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}
