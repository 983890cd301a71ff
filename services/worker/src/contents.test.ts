import { readdirSync, readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { bufferSource, readMediaFacts } from "@baosong/documents";
import { readAhead } from "./contents.ts";

const media = new URL("../../../test/fixtures/media/", import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, media));

/** A blob's read as the store gives it, counting how often the file would be opened. */
function counted(bytes: Buffer) {
  const reads: [number, number][] = [];
  const read = async (offset: number, length: number) => (reads.push([offset, length]), bytes.subarray(offset, offset + length));
  return { reads, read };
}

/** A phone photo: the fixture's headers and EXIF, then 2 MB of scan data before its end marker. */
function largePhoto(): Buffer {
  const base = fixture("photo-exif.jpg");
  const eoi = base.lastIndexOf(Buffer.from([0xff, 0xd9]));
  return Buffer.concat([base.subarray(0, eoi), randomBytes(2 * 1024 * 1024).map((b) => (b === 0xff ? 0x00 : b)), base.subarray(eoi)]);
}

describe("readAhead", () => {
  const files = readdirSync(media).filter((f) => !f.endsWith(".json"));
  for (const window of [64 * 1024, 16]) {
    it(`reads the same facts from every photo and video as from memory (window ${window} bytes)`, async () => {
      for (const name of files) {
        const bytes = fixture(name);
        const { read } = counted(bytes);
        expect(await readMediaFacts(readAhead(bytes.length, read, window)), name).toEqual(await readMediaFacts(bufferSource(bytes)));
      }
    });
  }

  it("opens a 2 MB photo once for its EXIF and dimensions", async () => {
    const photo = largePhoto();
    const { reads, read } = counted(photo);
    const facts = await readMediaFacts(readAhead(photo.length, read));
    expect(facts).toEqual(await readMediaFacts(bufferSource(photo)));
    expect(facts?.takenAt).toBeTruthy();
    expect(reads).toEqual([[0, 64 * 1024]]);
  });

  it("stops reading ahead once it has fetched its budget, so seeking all over a file costs what is asked", async () => {
    const bytes = randomBytes(4 * 1024 * 1024);
    const { reads, read } = counted(bytes);
    const source = readAhead(bytes.length, read, 64 * 1024, 256 * 1024);
    for (let i = 0; i < 8; i++) expect(await source.read(i * 512 * 1024, 16)).toEqual(bytes.subarray(i * 512 * 1024, i * 512 * 1024 + 16));
    expect(reads.map(([, length]) => length)).toEqual([65536, 65536, 65536, 65536, 16, 16, 16, 16]);
  });

  it("reads no further than the file's end, and passes a short read on to the reader", async () => {
    const bytes = fixture("photo-exif.jpg");
    const { reads, read } = counted(bytes);
    await readMediaFacts(readAhead(bytes.length, read));
    expect(reads).toEqual([[0, bytes.length]]);
    // A blob shorter than its recorded size: the bytes that are there, so the reader sees the short read.
    const short = counted(bytes.subarray(0, 7));
    expect(await readAhead(10, short.read).read(5, 5)).toEqual(bytes.subarray(5, 7));
  });
});
