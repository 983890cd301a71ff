import type { Readable } from "node:stream";

/**
 * The whole stream as one buffer, refused with `tooLarge()` as soon as it passes `maxBytes`
 * (SPEC §8: a limit, not an OOM). The readers that need random access to a file use it.
 */
export async function readAllBounded(stream: Readable, maxBytes: number, tooLarge: () => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += b.length;
    if (size > maxBytes) {
      stream.destroy();
      throw tooLarge();
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}
