import { MediaUnreadableError } from "../errors.ts";
import { ascii, type Reader, type Span } from "./reader.ts";

/** RIFF chunks between start and end: 4-char id, little-endian u32 size, payload padded to even. */
export async function* riffChunks(r: Reader, start: number, end: number): AsyncGenerator<Span> {
  for (let offset = start; offset + 8 <= end; ) {
    const header = await r.bytes(offset, 8);
    const size = header.readUInt32LE(4);
    if (offset + 8 + size > end) throw new MediaUnreadableError(`RIFF: chunk ${ascii(header, 0, 4)} runs past its parent`);
    yield { type: ascii(header, 0, 4), start: offset + 8, end: offset + 8 + size };
    offset += 8 + size + (size & 1);
  }
}
