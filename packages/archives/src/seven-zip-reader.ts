import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { ByteSplitter } from "./byte-splitter.ts";
import type { ArchiveScope, MemberSink } from "./member-sink.ts";
import { memberPath } from "./member-path.ts";
import { collectStderr, exitOf, runSevenZip, startSevenZip, type SevenZipChild } from "./seven-zip-process.ts";
import { parseSevenZipListing, type SevenZipItem } from "./seven-zip-listing.ts";

/** What 7-Zip reads for us: 7z, RAR 4 and RAR 5 (7-Zip treats the two RARs as two formats). */
export interface SevenZipJob {
  /** The archive, copied under a generated name into the run's private temp dir. */
  file: string;
  type: "7z" | "rar" | "rar5";
  workDir: string;
  executable: string;
}

// A listing of a few hundred members is some kilobytes; past this the archive has far more
// members than any limit allows.
const LISTING_LIMIT = 32 * 1024 * 1024;

/**
 * Lists the archive, then extracts every member to 7-Zip's stdout in one pass (one pass
 * matters for solid archives) and cuts that stream by the listed sizes, checking each piece
 * against its CRC-32. No member name is ever given to the file system.
 */
export async function readWithSevenZip(job: SevenZipJob, scope: ArchiveScope, sink: MemberSink): Promise<void> {
  // Any password at all makes 7-Zip report encrypted members instead of asking on stdin;
  // a random one is never the right one.
  const common = ["-bd", "-y", "-sccUTF-8", "-scsUTF-8", `-t${job.type}`, `-p${randomBytes(16).toString("hex")}`];
  const listed = await runSevenZip(job.executable, ["l", "-slt", ...common, "--", job.file], job.workDir, LISTING_LIMIT);
  if (listed.overflow) {
    sink.problem("archive_members", scope.path, "the archive's file list is too long to read");
    return;
  }
  const listing = parseSevenZipListing(listed.stdout);
  // 7-Zip names the archive by its temp path; the problem names it by the attachment's.
  const failure = [...listing.errors, listed.stderr.trim()].filter(Boolean).join("; ").replaceAll(job.file, "the archive");
  if (listing.type === null) {
    const code = /encrypted archive|wrong password/i.test(failure) ? "archive_encrypted" : "archive_corrupt";
    sink.problem(code, scope.path, failure || `7-Zip could not open it (exit ${listed.code})`);
    return;
  }
  const files = listing.items.filter((item) => !item.isDirectory);
  const outcome = await extractAll(job, common, files, scope, sink);
  if (outcome.corrupt === null && ((listed.code ?? 0) >= 2 || (outcome.exitCode ?? 0) >= 2)) {
    const detail = [failure, outcome.stderr.trim().replaceAll(job.file, "the archive")].filter(Boolean).join("; ");
    sink.problem("archive_corrupt", scope.path, detail || "7-Zip reported errors");
  }
}

interface ExtractOutcome {
  /** The member whose bytes failed, after which the stream's cut cannot be trusted. */
  corrupt: string | null;
  exitCode: number | null;
  stderr: string;
}

async function extractAll(job: SevenZipJob, common: string[], files: SevenZipItem[], scope: ArchiveScope, sink: MemberSink): Promise<ExtractOutcome> {
  const encrypted = files.filter((f) => f.encrypted);
  const exclusions = encrypted.length > 0 ? [`-x@${await exclusionList(job, encrypted)}`] : [];
  // -spd: names are names, not wildcards.
  const child = startSevenZip(job.executable, ["x", "-so", "-spd", ...common, ...exclusions, "--", job.file], job.workDir);
  let spawnError: Error | null = null;
  child.once("error", (err) => (spawnError = err));
  const stderr = collectStderr(child);
  const splitter = new ByteSplitter(child.stdout);
  let corrupt: string | null = null;
  let finished = false;
  try {
    corrupt = await cutMembers(splitter, files, scope, sink);
    if (corrupt === null && !sink.stopped && (await splitter.hasMore())) {
      corrupt = scope.path;
      sink.problem("archive_corrupt", scope.path, "7-Zip wrote more bytes than its listing declares");
    }
    finished = corrupt === null && !sink.stopped;
  } finally {
    if (!finished) stop(child);
    splitter.close();
  }
  const exitCode = await exitOf(child);
  // A binary that cannot run is a broken install, not a bad archive.
  if (spawnError) throw spawnError;
  return { corrupt, exitCode: finished ? exitCode : null, stderr: stderr() };
}

/** Hands each listed file its piece of the stream, in listing order (7-Zip's extraction order). */
async function cutMembers(splitter: ByteSplitter, files: SevenZipItem[], scope: ArchiveScope, sink: MemberSink): Promise<string | null> {
  for (const file of files) {
    const admission = sink.admit(scope, file.path, file.size);
    if (admission === "stop") return null;
    const path = memberPath(scope.path, file.path);
    if (file.encrypted) {
      sink.problem("archive_encrypted", path, "encrypted with a password");
      continue;
    }
    if (file.size === null) {
      sink.problem("archive_corrupt", path, "7-Zip lists no size for it");
      return path;
    }
    if (admission === "skip") {
      // Inside a solid stream a skipped member still has to be decompressed to reach the next.
      if (!sink.allowSkipping(scope, file.path, file.size)) return null;
      if ((await splitter.take(file.size, null)) < file.size) return corruptEnd(sink, path);
      continue;
    }
    const content = new PassThrough();
    const storing = sink.store(scope, file.path, content, { size: file.size, crc32: file.crc32 });
    const moved = await splitter.take(file.size, content);
    content.end();
    const stored = await storing;
    if (!stored || moved < file.size) return path;
    if (sink.stopped) return null;
  }
  return null;
}

function corruptEnd(sink: MemberSink, path: string): string {
  sink.problem("archive_corrupt", path, "the archive ends inside this member");
  return path;
}

/** The encrypted members' names, one a line, in a file with a generated name: 7-Zip's `-x@`. */
async function exclusionList(job: SevenZipJob, encrypted: SevenZipItem[]): Promise<string> {
  const list = join(job.workDir, `exclude-${randomBytes(6).toString("hex")}.txt`);
  await writeFile(list, `${encrypted.map((f) => f.path).join("\n")}\n`, { mode: 0o600 });
  return list;
}

function stop(child: SevenZipChild): void {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}
