import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { text } from "node:stream/consumers";
import { BlobNotFoundError, BlobTooLargeError, HEAD_BYTES, keyOf, storeBytes, type BlobStore } from "./blob-store.ts";
import { LocalBlobStore } from "./local-blob-store.ts";

/** Bytes as a mail part arrives: in chunks of 16 KB. */
const chunked = (bytes: Buffer, size = 16 * 1024) =>
  Readable.from(Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size)));
const sha = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** Every file under `dir`, relative, so a test can say exactly what the store left on disk. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe("LocalBlobStore", () => {
  let root: string;
  let store: LocalBlobStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "baosong-blobs-"));
    store = new LocalBlobStore(root);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  for (const [label, length] of [
    ["a small part, gathered in memory", 10_000],
    ["a large part, streamed to a temp file", 3 * 1024 * 1024 + 17],
  ] as const) {
    it(`stores ${label} under its SHA-256 with its size and head, in one pass`, async () => {
      const bytes = randomBytes(length);
      const stored = await store.put(chunked(bytes));
      expect(stored).toEqual({ key: keyOf(sha(bytes)), sha256: sha(bytes), size: length, head: bytes.subarray(0, HEAD_BYTES) });
      expect(await readFile(join(root, stored.sha256.slice(0, 2), stored.sha256.slice(2, 4), stored.sha256))).toEqual(bytes);
      expect(await store.read(stored.key, length - 5, 10)).toEqual(bytes.subarray(length - 5));
      expect(await filesUnder(join(root, "tmp"))).toEqual([]);
    });

    it(`stores the same bytes twice once, leaving the first file in place (${label})`, async () => {
      const bytes = randomBytes(length);
      const first = await store.put(chunked(bytes));
      const path = join(root, first.sha256.slice(0, 2), first.sha256.slice(2, 4), first.sha256);
      const before = await stat(path);
      const second = await store.put(chunked(bytes));
      expect(second).toEqual(first);
      const after = await stat(path);
      expect({ ino: after.ino, mtimeMs: after.mtimeMs }).toEqual({ ino: before.ino, mtimeMs: before.mtimeMs });
      expect(await filesUnder(root)).toEqual([join(first.sha256.slice(0, 2), first.sha256.slice(2, 4), first.sha256)]);
    });
  }

  it("stores concurrent puts of the same bytes as one complete blob", async () => {
    const small = randomBytes(5_000);
    const large = randomBytes(1024 * 1024);
    const puts = await Promise.all([
      ...Array.from({ length: 6 }, () => store.put(chunked(small))),
      ...Array.from({ length: 6 }, () => store.put(chunked(large))),
    ]);
    expect(new Set(puts.map((p) => p.key))).toEqual(new Set([keyOf(sha(small)), keyOf(sha(large))]));
    expect(await filesUnder(root)).toEqual([sha(small), sha(large)].map((h) => join(h.slice(0, 2), h.slice(2, 4), h)).sort());
    expect(await readFile(join(root, sha(large).slice(0, 2), sha(large).slice(2, 4), sha(large)))).toEqual(large);
  });

  it("leaves no blob and no temp file when the stream breaks part-way", async () => {
    const bytes = randomBytes(2 * 1024 * 1024);
    async function* broken() {
      yield bytes.subarray(0, 1024 * 1024);
      yield bytes.subarray(1024 * 1024, 1536 * 1024);
      throw new Error("connection reset");
    }
    await expect(store.put(Readable.from(broken()))).rejects.toThrow("connection reset");
    expect(await store.has(keyOf(sha(bytes)))).toBe(false);
    expect(await filesUnder(root)).toEqual([]);
  });

  it("refuses a blob over its limit and keeps nothing of it", async () => {
    const bytes = randomBytes(1024 * 1024);
    await expect(store.put(chunked(bytes), { maxBytes: 700_000 })).rejects.toBeInstanceOf(BlobTooLargeError);
    await expect(store.put(chunked(bytes.subarray(0, 2000)), { maxBytes: 1000 })).rejects.toBeInstanceOf(BlobTooLargeError);
    expect(await filesUnder(root)).toEqual([]);
  });

  it("stores an empty blob", async () => {
    const stored = await store.put(Readable.from([]));
    expect(stored).toMatchObject({ sha256: sha(Buffer.alloc(0)), size: 0, head: Buffer.alloc(0) });
    expect(await store.size(stored.key)).toBe(0);
  });

  it("puts again after the blob's directory was removed behind its back", async () => {
    const bytes = randomBytes(100);
    const first = await store.put(chunked(bytes));
    await rm(join(root, first.sha256.slice(0, 2)), { recursive: true });
    expect(await store.has(first.key)).toBe(false);
    await store.put(chunked(bytes));
    expect(await store.read(first.key, 0, 100)).toEqual(bytes);
  });

  it("calls only an absent file a missing blob; other file-system errors pass on, to be retried", async () => {
    const absent = keyOf(sha(Buffer.from("never stored")));
    await expect(store.read(absent, 0, 10)).rejects.toBeInstanceOf(BlobNotFoundError);
    await expect(store.size(absent)).rejects.toBeInstanceOf(BlobNotFoundError);
    const stored = await store.put(chunked(Buffer.from("stored, then its folder turns into a file")));
    const top = join(root, stored.sha256.slice(0, 2));
    await rm(top, { recursive: true });
    await writeFile(top, "not a folder");
    await expect(store.read(stored.key, 0, 10)).rejects.toMatchObject({ code: "ENOTDIR" });
    await expect(store.size(stored.key)).rejects.toMatchObject({ code: "ENOTDIR" });
    await expect(store.has(stored.key)).rejects.toMatchObject({ code: "ENOTDIR" });
    expect(await store.has(absent)).toBe(false);
  });

  it("stores bytes in memory as put stores the same bytes as a stream", async () => {
    const bytes = randomBytes(10_000);
    const direct = await store.putBytes(bytes);
    expect(direct).toEqual({ key: keyOf(sha(bytes)), sha256: sha(bytes), size: bytes.length, head: bytes.subarray(0, HEAD_BYTES) });
    const path = join(root, direct.sha256.slice(0, 2), direct.sha256.slice(2, 4), direct.sha256);
    const before = await stat(path);
    expect(await store.put(chunked(bytes))).toEqual(direct);
    expect(await store.putBytes(bytes)).toEqual(direct);
    expect((await stat(path)).ino).toBe(before.ino);
    expect(await readFile(path)).toEqual(bytes);
    await expect(store.putBytes(randomBytes(2000), { maxBytes: 1000 })).rejects.toBeInstanceOf(BlobTooLargeError);
    expect(await filesUnder(root)).toEqual([join(direct.sha256.slice(0, 2), direct.sha256.slice(2, 4), direct.sha256)]);
  });

  it("stores bytes through put in a store without putBytes", async () => {
    const bytes = Buffer.from("正文：本周开展了读书活动");
    const plain: BlobStore = {
      put: (content, options) => store.put(content, options),
      open: (key) => store.open(key),
      has: (key) => store.has(key),
      size: (key) => store.size(key),
      read: (key, offset, length) => store.read(key, offset, length),
    };
    const stored = await storeBytes(plain, bytes);
    expect(stored.key).toBe(keyOf(sha(bytes)));
    expect(await readFile(join(root, stored.sha256.slice(0, 2), stored.sha256.slice(2, 4), stored.sha256))).toEqual(bytes);
  });

  it("opens a small blob it just read whole from memory, and a larger one from its file", async () => {
    const small = Buffer.from("From: a@school.cn\r\nSubject: 周报\r\n\r\n正文\r\n");
    const large = randomBytes(100_000);
    const [s, l] = [await store.putBytes(small), await store.putBytes(large)];
    expect(await store.read(s.key, 0, 64 * 1024)).toEqual(small);
    expect(await store.read(l.key, 0, 64 * 1024)).toEqual(large.subarray(0, 64 * 1024));
    // Both files gone behind the store's back: only the one read whole is still at hand.
    await rm(join(root, s.sha256.slice(0, 2)), { recursive: true, force: true });
    await rm(join(root, l.sha256.slice(0, 2)), { recursive: true, force: true });
    expect(await text(store.open(s.key))).toBe(small.toString());
    expect(await store.read(s.key, 6, 12)).toEqual(small.subarray(6, 18));
    expect(await store.size(s.key)).toBe(small.length);
    await expect(store.read(l.key, 0, 10)).rejects.toBeInstanceOf(BlobNotFoundError);
  });

  it("keeps a small blob stored from bytes at hand for the reads that follow, not a larger one", async () => {
    const small = Buffer.from("From: b@school.cn\r\nSubject: 日报\r\n\r\n今日活动\r\n");
    const large = randomBytes(100_000);
    const [s, l] = [await store.putBytes(small), await store.putBytes(large)];
    // Both files gone behind the store's back: the small one is still read, from memory.
    await rm(join(root, s.sha256.slice(0, 2)), { recursive: true, force: true });
    await rm(join(root, l.sha256.slice(0, 2)), { recursive: true, force: true });
    expect(await store.read(s.key, 0, 64 * 1024)).toEqual(small);
    expect(await text(store.open(s.key))).toBe(small.toString());
    await expect(store.read(l.key, 0, 10)).rejects.toBeInstanceOf(BlobNotFoundError);
  });

  it("leaves a blob another process stored in place, and stores one next to it", async () => {
    const [bytes, other] = [randomBytes(3_000), randomBytes(3_000)];
    const first = await new LocalBlobStore(root).putBytes(bytes);
    const path = join(root, first.sha256.slice(0, 2), first.sha256.slice(2, 4), first.sha256);
    const before = await stat(path);
    expect(await store.putBytes(bytes)).toEqual(first);
    expect(await store.put(chunked(bytes))).toEqual(first);
    expect((await stat(path)).ino).toBe(before.ino);
    const second = await store.putBytes(other);
    expect(await store.read(second.key, 0, 64 * 1024)).toEqual(other);
  });
});
