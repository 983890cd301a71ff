import type { BlobStore } from "@baosong/blobs";
import { archiveFormatOf, defaultUnpackLimits, unpackArchive, type UnpackLimits, type UnpackProblem } from "@baosong/archives";
import { detectMediaType, type ReadPart } from "@baosong/mail";

const HEAD_BYTES = 4100;

/** Bytes and files all of a mail's archives may unpack to, together. */
export interface ArchiveBudget {
  bytes: number;
  files: number;
  ratio?: Pick<UnpackLimits, "maxRatio" | "ratioMinBytes">;
}

/**
 * Zip, 7z and rar attachments are unpacked (nested ones too): each member becomes a part of
 * its own, named `archive.zip/inner/name.xlsx`, so it is classified and read like any file.
 * The archive itself stays a part as well.
 */
export async function expandArchives(
  blobs: BlobStore,
  parts: readonly ReadPart[],
  /** The mail's budget, or how to get it: asked for once, at the first archive, if there is one. */
  budgetOrAsk: ArchiveBudget | (() => Promise<ArchiveBudget>) = { bytes: Number.POSITIVE_INFINITY, files: Number.POSITIVE_INFINITY },
): Promise<{ parts: ReadPart[]; problems: UnpackProblem[]; storedBytes: number }> {
  let budget = typeof budgetOrAsk === "function" ? null : budgetOrAsk;
  const out = [...parts];
  const problems: UnpackProblem[] = [];
  let storedBytes = 0;
  let storedFiles = 0;
  let position = Math.max(-1, ...parts.map((p) => p.position)) + 1;
  for (const part of parts) {
    const format = archiveFormatOf(await headOf(blobs, part.blobKey), part.mediaType);
    if (!format) continue;
    budget ??= await (budgetOrAsk as () => Promise<ArchiveBudget>)();
    const limits: UnpackLimits = {
      ...defaultUnpackLimits,
      ...budget.ratio,
      maxUnpackedBytes: Math.max(0, Math.min(defaultUnpackLimits.maxUnpackedBytes, budget.bytes - storedBytes)),
      maxMembers: Math.max(0, Math.min(defaultUnpackLimits.maxMembers, budget.files - storedFiles)),
    };
    const unpacked = await unpackArchive(blobs, { key: part.blobKey, path: part.filename }, limits);
    problems.push(...unpacked.problems);
    storedBytes += unpacked.members.reduce((n, m) => n + m.size, 0);
    storedFiles += unpacked.members.length;
    for (const m of unpacked.members) {
      out.push({
        position: position++,
        filename: m.path,
        declaredType: "application/octet-stream",
        mediaType: (await detectMediaType(blobs, m.blobKey, m.head)) ?? "application/octet-stream",
        sizeBytes: m.size,
        sha256: m.sha256,
        blobKey: m.blobKey,
        origin: "archive",
      });
    }
  }
  return { parts: out, problems, storedBytes };
}

/** The first bytes, where every archive format names itself: one read, not a stream. */
function headOf(blobs: BlobStore, key: string): Promise<Buffer> {
  return blobs.read(key, 0, HEAD_BYTES);
}
