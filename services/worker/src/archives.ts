import type { BlobStore } from "@baosong/blobs";
import { archiveFormatOf, unpackArchive, type UnpackProblem } from "@baosong/archives";
import { detectMediaType, type ReadPart } from "@baosong/mail";

const HEAD_BYTES = 4100;

/**
 * Zip, 7z and rar attachments are unpacked (nested ones too): each member becomes a part of
 * its own, named `archive.zip/inner/name.xlsx`, so it is classified and read like any file.
 * The archive itself stays a part as well.
 */
export async function expandArchives(blobs: BlobStore, parts: readonly ReadPart[]): Promise<{ parts: ReadPart[]; problems: UnpackProblem[] }> {
  const out = [...parts];
  const problems: UnpackProblem[] = [];
  let position = Math.max(-1, ...parts.map((p) => p.position)) + 1;
  for (const part of parts) {
    const format = archiveFormatOf(await headOf(blobs, part.blobKey), part.mediaType);
    if (!format) continue;
    const unpacked = await unpackArchive(blobs, { key: part.blobKey, path: part.filename });
    problems.push(...unpacked.problems);
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
  return { parts: out, problems };
}

async function headOf(blobs: BlobStore, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of blobs.open(key)) {
    chunks.push(chunk as Buffer);
    length += (chunk as Buffer).length;
    if (length >= HEAD_BYTES) break;
  }
  return Buffer.concat(chunks).subarray(0, HEAD_BYTES);
}
