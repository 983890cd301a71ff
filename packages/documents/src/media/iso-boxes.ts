import { MediaUnreadableError } from "../errors.ts";
import { ascii, type Reader, type Span } from "./reader.ts";

/** Boxes between start and end, by seeking their headers; a payload is read only when asked for. */
export async function* isoBoxes(r: Reader, start: number, end: number): AsyncGenerator<Span> {
  for (let offset = start; offset + 8 <= end; ) {
    const header = await r.bytes(offset, 8);
    let size = header.readUInt32BE(0);
    let headerSize = 8;
    if (size === 1) {
      size = Number((await r.bytes(offset + 8, 8)).readBigUInt64BE(0));
      headerSize = 16;
    } else if (size === 0) {
      size = end - offset; // "to the end of the file"
    }
    const type = ascii(header, 4, 8);
    if (size < headerSize || offset + size > end)
      throw new MediaUnreadableError(`ISO BMFF: box ${JSON.stringify(type)} of size ${size} at ${offset} does not fit`);
    yield { type, start: offset + headerSize, end: offset + size };
    offset += size;
  }
}

export async function findBox(r: Reader, start: number, end: number, type: string): Promise<Span | undefined> {
  for await (const box of isoBoxes(r, start, end)) if (box.type === type) return box;
  return undefined;
}
