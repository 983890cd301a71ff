import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { LocalBlobStore, keyOf, type BlobStore } from "@baosong/blobs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultUnpackLimits, unpackArchive, type UnpackLimits, type UnpackResult } from "./index.ts";

const FIXTURES = new URL("../../../test/fixtures/archives/", import.meta.url);

interface Expected {
  note: string;
  members: { path: string; sha256: string }[];
  problems: { code: string; path: string }[];
}
const expected = JSON.parse(await readFile(new URL("expected.json", FIXTURES), "utf8")) as Record<string, Expected>;

let root: string;
let blobs: LocalBlobStore;
let tempDir: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "baosong-archives-test-"));
  blobs = new LocalBlobStore(join(root, "blobs"));
  tempDir = join(root, "work");
  await mkdir(tempDir);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function unpackFixture(name: string, limits: UnpackLimits = defaultUnpackLimits, store: BlobStore = blobs): Promise<UnpackResult> {
  const bytes = await readFile(new URL(name, FIXTURES));
  const stored = await blobs.put(Readable.from([bytes]));
  return unpackArchive(store, { key: stored.key, path: name }, limits, { tempDir });
}

const pathsAndHashes = (r: UnpackResult) => r.members.map((m) => ({ path: m.path, sha256: m.sha256 })).sort(byPath);
const codesAndPaths = (r: UnpackResult) => r.problems.map((p) => ({ code: p.code, path: p.path })).sort(byPath);
const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");
/** The limits under test, with the ratio rule off unless a test turns it on (the bombs would trip it first). */
const limits = (overrides: Partial<UnpackLimits>): UnpackLimits => ({ ...defaultUnpackLimits, maxRatio: Number.POSITIVE_INFINITY, ...overrides });

describe("unpackArchive on every fixture", () => {
  for (const [name, want] of Object.entries(expected)) {
    it(`unpacks ${name} into the members and problems expected.json lists (${want.note})`, async () => {
      // expected.json describes the size limits; the ratio rule has tests of its own below.
      const result = await unpackFixture(name, limits({}));
      expect(pathsAndHashes(result)).toEqual([...want.members].sort(byPath));
      expect(codesAndPaths(result)).toEqual([...want.problems].sort(byPath));
    });
  }
});

describe("unpackArchive", () => {
  it("decodes GBK member names of a zip made by Windows Explorer", async () => {
    const result = await unpackFixture("windows-gbk.zip");
    expect(result.members.map((m) => m.path)).toEqual([
      "windows-gbk.zip/2022活动周/信息采集表.xlsx",
      "windows-gbk.zip/2022活动周/新建 Microsoft Excel 工作表.xlsx",
      "windows-gbk.zip/2022活动周/开放日新闻稿（定稿）.txt",
      "windows-gbk.zip/IMG_2041.JPG",
    ]);
  });

  it("stores each member in the blob store with its size, head and depth", async () => {
    const result = await unpackFixture("utf8-flagged.zip");
    const report = result.members[0];
    expect(report?.path).toBe("utf8-flagged.zip/荣昌职教中心/活动周工作总结报告.txt");
    expect(report?.depth).toBe(1);
    expect(report?.blobKey).toBe(keyOf(report?.sha256 ?? ""));
    const body = Buffer.concat(await blobs.open(report?.blobKey ?? "").toArray());
    expect(body.toString("utf8")).toBe("5月12日，我校举办职业教育活动周开放日。\n");
    expect(report?.size).toBe(body.length);
    expect(report?.head.equals(body)).toBe(true);
  });

  it("unpacks a zip inside a rar inside a zip, counting depth from the attachment", async () => {
    const result = await unpackFixture("zip-rar-zip.zip");
    expect(result.members.map((m) => [m.path, m.depth])).toEqual([
      ["zip-rar-zip.zip/报送材料/材料.rar", 1],
      ["zip-rar-zip.zip/报送材料/材料.rar/学校材料/信息采集表.xlsx", 2],
      ["zip-rar-zip.zip/报送材料/材料.rar/学校材料/照片.zip", 2],
      ["zip-rar-zip.zip/报送材料/材料.rar/学校材料/照片.zip/photo.jpg", 3],
    ]);
  });

  it("keeps an archive nested past maxDepth as a member and reports archive_depth", async () => {
    const shallow = await unpackFixture("nested-4-levels.zip", limits({ maxDepth: 1 }));
    expect(shallow.members.map((m) => m.path)).toEqual(["nested-4-levels.zip/level2.zip"]);
    expect(codesAndPaths(shallow)).toEqual([{ code: "archive_depth", path: "nested-4-levels.zip/level2.zip" }]);

    const deep = await unpackFixture("nested-4-levels.zip", limits({ maxDepth: 4 }));
    expect(deep.members.at(-1)?.path).toBe("nested-4-levels.zip/level2.zip/level3.zip/level4.zip/deep.txt");
    expect(deep.members.at(-1)?.depth).toBe(4);
    expect(deep.problems).toEqual([]);
  });

  it("opens nothing when maxDepth is 0", async () => {
    const result = await unpackFixture("windows-gbk.zip", limits({ maxDepth: 0 }));
    expect(result.members).toEqual([]);
    expect(codesAndPaths(result)).toEqual([{ code: "archive_depth", path: "windows-gbk.zip" }]);
  });

  it("stops at maxMembers and keeps the members before it", async () => {
    const result = await unpackFixture("many-members.zip", limits({ maxMembers: 4 }));
    expect(result.members.map((m) => m.path)).toEqual(["01", "02", "03", "04"].map((n) => `many-members.zip/${n}.txt`));
    expect(codesAndPaths(result)).toEqual([{ code: "archive_members", path: "many-members.zip/05.txt" }]);
  });

  it("counts maxMembers across nested archives", async () => {
    const result = await unpackFixture("zip-rar-zip.zip", limits({ maxMembers: 3 }));
    expect(result.members).toHaveLength(3);
    expect(codesAndPaths(result)).toEqual([{ code: "archive_members", path: "zip-rar-zip.zip/报送材料/材料.rar/学校材料/照片.zip/photo.jpg" }]);
  });

  it("stops a zip bomb at maxUnpackedBytes with archive_size, keeping the members so far", async () => {
    const result = await unpackFixture("bomb.zip", limits({ maxUnpackedBytes: 1024 * 1024 }));
    expect(result.members.map((m) => m.path)).toEqual(["bomb.zip/说明.txt"]);
    expect(codesAndPaths(result)).toEqual([{ code: "archive_size", path: "bomb.zip/zeros.bin" }]);
    expect(await blobs.has(keyOf(sha256(Buffer.alloc(50 * 1024 * 1024))))).toBe(false);
  });

  it("skips a member over maxMemberBytes with archive_member_size and goes on", async () => {
    const result = await unpackFixture("bomb.zip", limits({ maxMemberBytes: 1024 * 1024 }));
    expect(result.members.map((m) => m.path)).toEqual(["bomb.zip/说明.txt"]);
    expect(codesAndPaths(result)).toEqual([{ code: "archive_member_size", path: "bomb.zip/zeros.bin" }]);
  });

  it("skips a member over maxMemberBytes inside a solid 7z and still reads the one after it", async () => {
    const result = await unpackFixture("bomb.7z", limits({ maxMemberBytes: 1024 * 1024 }));
    expect(result.members.map((m) => m.path)).toEqual(["bomb.7z/说明.txt"]);
    expect(codesAndPaths(result)).toEqual([{ code: "archive_member_size", path: "bomb.7z/zeros.bin" }]);
  });

  it("stops a 7z bomb at maxUnpackedBytes", async () => {
    const result = await unpackFixture("bomb.7z", limits({ maxUnpackedBytes: 1024 * 1024 }));
    expect(result.members).toEqual([]);
    expect(codesAndPaths(result)).toEqual([{ code: "archive_size", path: "bomb.7z/zeros.bin" }]);
  });

  it("skips a zip member that unpacks to more than maxRatio times its packed size, and goes on", async () => {
    const result = await unpackFixture("bomb.zip", defaultUnpackLimits);
    expect(result.members.map((m) => m.path)).toEqual(["bomb.zip/说明.txt"]);
    expect(codesAndPaths(result)).toEqual([{ code: "archive_ratio", path: "bomb.zip/zeros.bin" }]);
    expect(await blobs.has(keyOf(sha256(Buffer.alloc(50 * 1024 * 1024))))).toBe(false);
  });

  it("stops a solid 7z bomb at maxRatio times the attachment's size, storing nothing of it", async () => {
    const result = await unpackFixture("bomb.7z", defaultUnpackLimits);
    expect(result.members).toEqual([]);
    expect(codesAndPaths(result)).toEqual([{ code: "archive_ratio", path: "bomb.7z/zeros.bin" }]);
    expect(await blobs.has(keyOf(sha256(Buffer.alloc(50 * 1024 * 1024))))).toBe(false);
  });

  it("lets a highly compressible member under ratioMinBytes through", async () => {
    const result = await unpackFixture("bomb.zip", { ...defaultUnpackLimits, ratioMinBytes: 64 * 1024 * 1024 });
    expect(result.members.map((m) => m.path).sort()).toEqual(["bomb.zip/zeros.bin", "bomb.zip/说明.txt"]);
  });

  it("does not believe a zip that declares 1000 bytes for 50 MB of zeros", async () => {
    const result = await unpackFixture("bomb-lying-size.zip");
    expect(result.members).toEqual([]);
    expect(codesAndPaths(result)).toEqual([{ code: "archive_corrupt", path: "bomb-lying-size.zip/zeros.bin" }]);
    expect(await blobs.has(keyOf(sha256(Buffer.alloc(50 * 1024 * 1024))))).toBe(false);
  });

  it("reports encrypted members of zip, 7z and rar and unpacks the rest", async () => {
    for (const name of ["encrypted-member.zip", "encrypted-member.7z", "encrypted-member.rar"]) {
      const result = await unpackFixture(name);
      expect(
        result.members.map((m) => m.path),
        name,
      ).toEqual([`${name}/公开.txt`]);
      expect(codesAndPaths(result), name).toEqual([{ code: "archive_encrypted", path: `${name}/密码.txt` }]);
    }
  });

  it("keeps what a truncated zip still holds, read from its local headers", async () => {
    const result = await unpackFixture("truncated.zip");
    expect(result.members.map((m) => m.path)).toEqual(["truncated.zip/第1部分.txt", "truncated.zip/第2部分.txt"]);
    expect(result.problems.map((p) => p.code)).toEqual(["archive_corrupt"]);
  });

  it("never uses member names as paths: the private temp dir is empty afterwards", async () => {
    await unpackFixture("evil-names.zip");
    await unpackFixture("activity-week.7z");
    await unpackFixture("encrypted-member.rar");
    expect(await readdir(tempDir)).toEqual([]);
    expect(await readdir(join(root, "blobs"))).not.toContain("etc");
  });

  it("reports a file that is no archive at all as archive_unsupported", async () => {
    const stored = await blobs.put(Readable.from([Buffer.from("%PDF-1.7\n")]));
    const result = await unpackArchive(blobs, { key: stored.key, path: "扫描件.pdf" }, defaultUnpackLimits, { tempDir });
    expect(result).toEqual({ members: [], problems: [{ code: "archive_unsupported", path: "扫描件.pdf", detail: expect.any(String) }] });
  });

  it("throws when the blob store fails, and still cleans up its temp dir", async () => {
    const failing: BlobStore = {
      put: async (content) => {
        content.destroy();
        throw Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
      },
      open: (key) => blobs.open(key),
      has: (key) => blobs.has(key),
      size: (key) => blobs.size(key),
      read: (key, offset, length) => blobs.read(key, offset, length),
    };
    await expect(unpackFixture("utf8-flagged.zip", defaultUnpackLimits, failing)).rejects.toThrow("no space left on device");
    await expect(unpackFixture("activity-week.7z", defaultUnpackLimits, failing)).rejects.toThrow("no space left on device");
    expect(await readdir(tempDir)).toEqual([]);
  });
});

describe("unpackArchive on damaged input", () => {
  const small = Object.keys(expected).filter((name) => !name.startsWith("bomb"));
  for (const name of small) {
    it(`never throws on ${name} cut short or with flipped bytes`, async () => {
      const bytes = await readFile(new URL(name, FIXTURES));
      const variants = [bytes.subarray(0, bytes.length / 3), bytes.subarray(0, (bytes.length * 2) / 3), flipped(bytes, 0.5), flipped(bytes, 0.9)];
      for (const variant of variants) {
        const stored = await blobs.put(Readable.from([variant]));
        const result = await unpackArchive(blobs, { key: stored.key, path: name }, defaultUnpackLimits, { tempDir });
        for (const member of result.members) expect(member.path.startsWith(`${name}/`)).toBe(true);
      }
      expect(await readdir(tempDir)).toEqual([]);
    });
  }
});

function flipped(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  const i = Math.floor(copy.length * at);
  for (let j = i; j < Math.min(copy.length, i + 8); j++) copy[j] = (copy[j] ?? 0) ^ 0xa5;
  return copy;
}
