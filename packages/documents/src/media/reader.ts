import { MediaUnreadableError } from "../errors.ts";

/**
 * A file that can be read at any offset without loading it whole: the worker adapts its blob
 * store's `read(key, offset, length)` to it, so a 2 GB video costs a few small reads.
 */
export interface RandomAccess {
  size: number;
  read(offset: number, length: number): Promise<Buffer>;
}

/** A RandomAccess over bytes already in memory (tests, small attachments). */
export function bufferSource(buf: Buffer): RandomAccess {
  return { size: buf.length, read: async (offset, length) => buf.subarray(offset, offset + length) };
}

/** Headers, EXIF and the parts of moov/meta we read add up to far less; a file asking for more is hostile. */
const MAX_BYTES = 2 * 1024 * 1024;
/** Seeking box and chunk headers costs one read each; this bounds a file of a million tiny boxes. */
const MAX_READS = 4096;

/** Every read goes through here: lengths are checked against the file and the budget before a byte is allocated. */
export class Reader {
  private bytesRead = 0;
  private reads = 0;
  constructor(private readonly source: RandomAccess) {}

  get size(): number {
    return this.source.size;
  }

  async bytes(offset: number, length: number): Promise<Buffer> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new MediaUnreadableError(`truncated: wants bytes ${offset}+${length} of ${this.size}`);
    }
    this.bytesRead += length;
    this.reads += 1;
    if (this.bytesRead > MAX_BYTES || this.reads > MAX_READS) throw new MediaUnreadableError("headers larger than any real file's");
    const buf = await this.source.read(offset, length);
    if (buf.length !== length) throw new MediaUnreadableError(`short read at ${offset}: ${buf.length} of ${length} bytes`);
    return buf;
  }
}

export const ascii = (buf: Buffer, start: number, end: number): string => buf.toString("latin1", start, end);

/** A RIFF chunk or an ISO BMFF box, found by its header. */
export interface Span {
  type: string;
  /** Where the payload starts (after the header) and ends, in file offsets. */
  start: number;
  end: number;
}
