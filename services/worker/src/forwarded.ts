import type { BlobStore } from "@baosong/blobs";
import { defaultReadLimits, isUnnamedPart, readMessage, type ReadPart, type ReadProblem } from "@baosong/mail";

/** A forward of a forward of a forward is as deep as clerks go. */
export const MAX_FORWARD_DEPTH = 3;

/**
 * A forwarded mail (message/rfc822) is opened like an archive: the forward stays a part, named
 * after its subject when it has no name (`畜牧职校5月19日新闻稿.eml`), and each of its files
 * becomes a part of its own (`畜牧职校5月19日新闻稿.eml/新闻稿.docx`), so the files a head
 * teacher forwards are classified, read and counted like files sent directly.
 */
export async function expandForwarded(
  blobs: BlobStore,
  parts: readonly ReadPart[],
  /** Decoded bytes the files inside forwards may add (they are copies, but copies take disk). */
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<{ parts: ReadPart[]; problems: ReadProblem[]; storedBytes: number }> {
  let storedBytes = 0;
  const out: ReadPart[] = [];
  const problems: ReadProblem[] = [];
  let position = Math.max(-1, ...parts.map((p) => p.position)) + 1;
  async function visit(list: readonly ReadPart[], prefix: string, depth: number): Promise<void> {
    for (const part of list) {
      const forwarded = part.declaredType === "message/rfc822" || part.mediaType === "message/rfc822";
      if (!forwarded || depth >= MAX_FORWARD_DEPTH) {
        out.push(depth === 0 ? part : { ...part, position: position++, filename: `${prefix}${part.filename}`, origin: "forwarded" });
        continue;
      }
      const left = Math.max(0, maxBytes - storedBytes);
      const inner = await readMessage(
        blobs.open(part.blobKey),
        blobs,
        Number.isFinite(left) ? { ...defaultReadLimits, maxTotalBytes: left } : defaultReadLimits,
      );
      storedBytes += inner.parts.reduce((n, p) => n + p.sizeBytes, 0);
      const name = isUnnamedPart(part.filename) && inner.subject?.trim() ? `${inner.subject.trim().replace(/[/\\]/gu, "／")}.eml` : part.filename;
      const self = { ...part, filename: `${prefix}${name}`, origin: "forwarded" as const };
      out.push(depth === 0 ? self : { ...self, position: position++ });
      problems.push(...inner.problems.map((p) => ({ ...p, filename: p.filename && `${prefix}${name}/${p.filename}` })));
      await visit(inner.parts, `${prefix}${name}/`, depth + 1);
    }
  }
  await visit(parts, "", 0);
  return { parts: out, problems, storedBytes };
}
