import { createWriteStream } from "node:fs";
import { open, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { BlobTooLargeError, HEAD_BYTES, type BlobStore } from "@baosong/blobs";
import { archiveFormatOf, isRar5, type ArchiveFormat } from "./archive-format.ts";
import { MemberCheck, MemberCorruptError, type MemberExpectation } from "./member-check.ts";
import type { Admission, ArchiveScope, MemberSink } from "./member-sink.ts";
import { memberPath } from "./member-path.ts";
import type { UnpackLimits } from "./limits.ts";
import { readWithSevenZip } from "./seven-zip-reader.ts";
import type { UnpackedMember, UnpackProblem, UnpackProblemCode, UnpackResult } from "./unpack-result.ts";
import { readZip } from "./zip-reader.ts";

export interface UnpackRunSettings {
  blobs: BlobStore;
  limits: UnpackLimits;
  /** A private temp dir (mode 0700) that the caller removes afterwards. */
  workDir: string;
  sevenZipPath: string;
}

interface NestedArchive {
  member: UnpackedMember;
  format: ArchiveFormat;
}

/**
 * One attachment's unpacking: the members and problems found so far, and the limits kept
 * across the whole tree of nested archives.
 */
export class UnpackRun implements MemberSink {
  stopped = false;
  private readonly members: UnpackedMember[] = [];
  private readonly problems: UnpackProblem[] = [];
  private readonly nested = new Map<ArchiveScope, NestedArchive[]>();
  private memberCount = 0;
  private unpackedBytes = 0;
  private spooled = 0;
  /** What the whole tree may unpack to by the ratio rule, set from the attachment's size. */
  private ratioCap = Number.POSITIVE_INFINITY;

  constructor(private readonly s: UnpackRunSettings) {}

  result(): UnpackResult {
    return { members: [...this.members], problems: [...this.problems] };
  }

  async unpackAttachment(key: string, path: string): Promise<void> {
    const file = await this.spool(key);
    const { maxRatio, ratioMinBytes } = this.s.limits;
    this.ratioCap = Math.max(ratioMinBytes, maxRatio * (await stat(file)).size);
    const head = await headOf(file);
    const format = archiveFormatOf(head, "");
    if (!format) {
      await rm(file, { force: true });
      this.problem("archive_unsupported", path, "not a zip, 7z or rar archive");
    } else if (this.s.limits.maxDepth < 1) {
      await rm(file, { force: true });
      this.problem("archive_depth", path, "archives are not to be opened at all (maxDepth 0)");
    } else {
      await this.unpackFile(file, format, head, { path, depth: 1 });
    }
  }

  admit(scope: ArchiveScope, name: string, declaredSize: number | null, packedSize: number | null = null): Admission {
    if (this.stopped) return "stop";
    const { maxMembers, maxMemberBytes } = this.s.limits;
    const path = memberPath(scope.path, name);
    if (++this.memberCount > maxMembers) {
      this.stop("archive_members", path, `more than ${maxMembers} files in the attachment`);
      return "stop";
    }
    if (declaredSize !== null && declaredSize > maxMemberBytes) {
      this.problem("archive_member_size", path, `declares ${declaredSize} bytes, more than the ${maxMemberBytes} allowed for one file`);
      return "skip";
    }
    const { maxRatio, ratioMinBytes } = this.s.limits;
    if (declaredSize !== null && packedSize !== null && declaredSize > ratioMinBytes && declaredSize > maxRatio * packedSize) {
      this.problem("archive_ratio", path, `declares ${declaredSize} bytes packed into ${packedSize}, more than ${maxRatio} times`);
      return "skip";
    }
    if (declaredSize !== null && declaredSize > this.remainingBytes()) {
      this.stop(this.bindingLimit(), path, `declares ${declaredSize} bytes, past the ${this.treeLimit()} allowed in all`);
      return "stop";
    }
    return "extract";
  }

  async store(scope: ArchiveScope, name: string, content: Readable, expect: MemberExpectation): Promise<boolean> {
    const path = memberPath(scope.path, name);
    const limit = Math.min(this.s.limits.maxMemberBytes, this.remainingBytes());
    const check = new MemberCheck(expect);
    // Whatever goes wrong while reading the archive is the archive's fault; what goes wrong
    // while writing is the blob store's, and that one is thrown.
    content.on("error", (err) => check.destroy(new MemberCorruptError(err.message)));
    // The check may fail before the blob store starts reading it; put() still sees the error.
    check.on("error", () => {});
    content.pipe(check);
    let stored: Awaited<ReturnType<typeof this.s.blobs.put>>;
    try {
      stored = await this.s.blobs.put(check, { maxBytes: limit });
    } catch (err) {
      content.destroy();
      if (err instanceof BlobTooLargeError) {
        this.unpackedBytes += limit;
        if (limit < this.s.limits.maxMemberBytes) this.stop(this.bindingLimit(), path, `unpacking stopped at the ${this.treeLimit()} bytes allowed in all`);
        else this.problem("archive_member_size", path, `larger than the ${limit} bytes allowed for one file`);
        return false;
      }
      if (err instanceof MemberCorruptError) {
        this.unpackedBytes += check.bytes;
        this.problem("archive_corrupt", path, err.message);
        return false;
      }
      throw err;
    }
    this.unpackedBytes += stored.size;
    const member: UnpackedMember = { path, blobKey: stored.key, sha256: stored.sha256, size: stored.size, head: stored.head, depth: scope.depth };
    this.members.push(member);
    const format = archiveFormatOf(stored.head, "");
    if (format) this.nested.get(scope)?.push({ member, format });
    return true;
  }

  allowSkipping(scope: ArchiveScope, name: string, bytes: number): boolean {
    if (bytes > this.remainingBytes()) {
      this.stop(this.bindingLimit(), memberPath(scope.path, name), `skipping it would pass the ${this.treeLimit()} bytes allowed in all`);
      return false;
    }
    this.unpackedBytes += bytes;
    return true;
  }

  problem(code: UnpackProblemCode, path: string, detail: string): void {
    this.problems.push({ code, path, detail });
  }

  private stop(code: UnpackProblemCode, path: string, detail: string): void {
    this.problem(code, path, detail);
    this.stopped = true;
  }

  private remainingBytes(): number {
    return Math.max(0, this.treeLimit() - this.unpackedBytes);
  }

  private treeLimit(): number {
    return Math.min(this.s.limits.maxUnpackedBytes, this.ratioCap);
  }

  /** Which rule a tree-wide stop breaks: the byte budget, or the ratio to the attachment's size. */
  private bindingLimit(): UnpackProblemCode {
    return this.ratioCap < this.s.limits.maxUnpackedBytes ? "archive_ratio" : "archive_size";
  }

  /** Reads one archive, then the archives found inside it, depth first. */
  private async unpackFile(file: string, format: ArchiveFormat, head: Buffer, scope: ArchiveScope): Promise<void> {
    const found: NestedArchive[] = [];
    this.nested.set(scope, found);
    try {
      if (format === "zip") await readZip(file, scope, this);
      else
        await readWithSevenZip(
          { file, type: format === "rar" && isRar5(head) ? "rar5" : format, workDir: this.s.workDir, executable: this.s.sevenZipPath },
          scope,
          this,
        );
    } finally {
      this.nested.delete(scope);
      await rm(file, { force: true });
    }
    for (const { member, format: innerFormat } of found) {
      if (this.stopped) return;
      if (member.depth >= this.s.limits.maxDepth) {
        this.problem("archive_depth", member.path, `an archive nested deeper than ${this.s.limits.maxDepth} levels; kept unopened`);
        continue;
      }
      const innerFile = await this.spool(member.blobKey);
      await this.unpackFile(innerFile, innerFormat, member.head, { path: member.path, depth: member.depth + 1 });
    }
  }

  /** Copies a blob into the private temp dir under a generated name: tools need a file. */
  private async spool(key: string): Promise<string> {
    const file = join(this.s.workDir, `archive-${++this.spooled}`);
    await pipeline(this.s.blobs.open(key), createWriteStream(file, { flags: "wx", mode: 0o600 }));
    return file;
  }
}

async function headOf(file: string): Promise<Buffer> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
