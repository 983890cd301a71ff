import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { MediaFacts } from "@baosong/core";
import { MediaUnreadableError } from "../errors.ts";
import { bufferSource, exifTakenAt, readMediaFacts, type RandomAccess } from "./index.ts";

const fixtures = new URL("../../../../test/fixtures/media/", import.meta.url);
const expected = JSON.parse(readFileSync(new URL("expected.json", fixtures), "utf8")) as Record<string, MediaFacts>;
const fixture = (name: string) => readFileSync(new URL(name, fixtures));

/** A source that remembers what it was asked for. */
function recording(source: RandomAccess): RandomAccess & { reads: Array<[number, number]> } {
  const reads: Array<[number, number]> = [];
  return { size: source.size, reads, read: (offset, length) => (reads.push([offset, length]), source.read(offset, length)) };
}

/** Either facts (or null), or MediaUnreadableError — anything else (a TypeError, a RangeError, a hang) fails. */
async function outcome(bytes: Buffer): Promise<"facts" | "null" | "unreadable"> {
  const source = recording(bufferSource(bytes));
  try {
    return (await readMediaFacts(source)) ? "facts" : "null";
  } catch (err) {
    if (err instanceof MediaUnreadableError) return "unreadable";
    throw err;
  } finally {
    expect(source.reads.reduce((sum, [, length]) => sum + length, 0)).toBeLessThanOrEqual(2 * 1024 * 1024 + 64 * 1024);
  }
}

describe("readMediaFacts on the fixtures made by scripts/fixtures/make-media.sh", () => {
  for (const [file, want] of Object.entries(expected)) {
    it(`reads ${file}`, async () => {
      expect(await readMediaFacts(bufferSource(fixture(file)))).toEqual(want);
    });
  }

  it("prefers DateTimeOriginal to DateTime, and falls back to DateTime alone", async () => {
    expect((await readMediaFacts(bufferSource(fixture("photo-exif.jpg"))))?.takenAt).toBe("2022-05-16 09:30:00");
    expect((await readMediaFacts(bufferSource(fixture("photo-datetime-only.jpg"))))?.takenAt).toBe("2020-01-02 03:04:05");
  });

  it("peeks at each APP1 so forty 64 KB extended-XMP segments (a motion photo) cost nothing", async () => {
    const photo = fixture("photo-exif.jpg");
    const xmp = Buffer.alloc(65_000, 0x20);
    xmp.writeUInt16BE(0xffe1, 0);
    xmp.writeUInt16BE(xmp.length - 2, 2);
    xmp.write("http://ns.adobe.com/xmp/extension/\0", 4, "latin1");
    const source = recording(bufferSource(Buffer.concat([photo.subarray(0, 2), ...Array<Buffer>(40).fill(xmp), photo.subarray(2)])));
    expect(await readMediaFacts(source)).toEqual(expected["photo-exif.jpg"]);
    expect(source.reads.reduce((sum, [, length]) => sum + length, 0)).toBeLessThan(2000);
  });

  it("seeks past mdat to a moov at the end without reading the frames", async () => {
    const bytes = fixture("clip.mp4");
    const mdatAt = bytes.indexOf("mdat") - 4;
    const mdatEnd = mdatAt + bytes.readUInt32BE(mdatAt);
    const source = recording(bufferSource(bytes));
    expect(await readMediaFacts(source)).toEqual(expected["clip.mp4"]);
    expect(source.reads.filter(([offset, length]) => offset < mdatEnd && offset + length > mdatAt + 8)).toEqual([]);
  });
});

describe("readMediaFacts on damaged files", () => {
  it("calls truncated copies of every fixture unreadable, or reads what is left, and never crashes", async () => {
    for (const file of Object.keys(expected)) {
      const bytes = fixture(file);
      for (const cut of [1, 4, 8, 11, 12, 16, 20, 30, 40, 64, 100, 200, 400, 800, 1600, 3200, 6400].filter((n) => n < bytes.length)) {
        await expect(outcome(bytes.subarray(0, cut)), `${file} cut at ${cut}`).resolves.toMatch(/^(?:facts|null|unreadable)$/u);
      }
    }
  });

  it("calls a video cut before its moov, or a photo cut in its headers, MEDIA_UNREADABLE", async () => {
    const cases: Array<[string, number]> = [
      ["clip.mp4", 2000],
      ["clip.mov", 2000],
      ["clip.avi", 100],
      ["clip.wmv", 200],
      ["photo.heic", 300],
      ["photo-exif.jpg", 300],
      ["image.png", 20],
    ];
    for (const [file, cut] of cases) {
      await expect(readMediaFacts(bufferSource(fixture(file).subarray(0, cut))), file).rejects.toMatchObject({ code: "MEDIA_UNREADABLE" });
    }
  });

  it("survives every byte of every header flipped", async () => {
    for (const file of Object.keys(expected)) {
      const bytes = fixture(file);
      const positions = new Set<number>();
      for (let i = 0; i < Math.min(bytes.length, 1024); i++) positions.add(i);
      for (let i = 1024; i < bytes.length; i += 97) positions.add(i); // and a sample of the rest (moov at the end)
      for (let i = Math.max(0, bytes.length - 1024); i < bytes.length; i++) positions.add(i);
      for (const at of positions) {
        for (const mask of [0xff, 0x80, 0x01]) {
          const copy = Buffer.from(bytes);
          copy[at]! ^= mask;
          await expect(outcome(copy), `${file} byte ${at} ^ ${mask}`).resolves.toMatch(/^(?:facts|null|unreadable)$/u);
        }
      }
    }
  }, 60_000);

  it("does not allocate an MP4 box that declares 2^40 bytes", async () => {
    const ftyp = fixture("clip.mp4").subarray(0, 32);
    const huge = Buffer.alloc(16);
    huge.writeUInt32BE(1, 0); // size 1: a 64-bit size follows
    huge.write("moov", 4, "latin1");
    huge.writeBigUInt64BE(2n ** 40n, 8);
    const source = recording(bufferSource(Buffer.concat([ftyp, huge, Buffer.alloc(64)])));
    await expect(readMediaFacts(source)).rejects.toBeInstanceOf(MediaUnreadableError);
    expect(Math.max(...source.reads.map(([, length]) => length))).toBeLessThanOrEqual(32);
  });

  it("seeks past a 1 TiB mdat to the moov after it, asking for a few hundred bytes", async () => {
    const real = fixture("clip-faststart.mp4");
    const moovAt = real.indexOf("moov") - 4;
    const moov = real.subarray(moovAt, moovAt + real.readUInt32BE(moovAt));
    const mdat = Buffer.alloc(16);
    mdat.writeUInt32BE(1, 0);
    mdat.write("mdat", 4, "latin1");
    mdat.writeBigUInt64BE(2n ** 40n, 8);
    const head = Buffer.concat([real.subarray(0, 32), mdat]);
    const tail = 32 + 2 ** 40; // mdat's size counts its own header
    // A sparse file: the frames are never asked for, so they need not exist.
    const source = recording({
      size: tail + moov.length,
      read: async (offset, length) => {
        if (offset + length <= head.length) return head.subarray(offset, offset + length);
        if (offset >= tail) return moov.subarray(offset - tail, offset - tail + length);
        throw new Error(`read the frames at ${offset}`);
      },
    });
    expect(await readMediaFacts(source)).toEqual({ format: "mp4", width: 176, height: 144, durationSeconds: 2 });
    expect(source.reads.reduce((sum, [, length]) => sum + length, 0)).toBeLessThan(1000);
  });

  it("reads a 64-bit mvhd, and a fragmented MP4's duration from mehd when mvhd says 0", async () => {
    const box = (type: string, ...parts: Buffer[]) => {
      const payload = Buffer.concat(parts);
      const header = Buffer.alloc(8);
      header.writeUInt32BE(8 + payload.length, 0);
      header.write(type, 4, "latin1");
      return Buffer.concat([header, payload]);
    };
    const ftyp = box("ftyp", Buffer.from("isom\0\0\0\0isomiso5", "latin1"));
    const mvhd1 = Buffer.alloc(32);
    mvhd1[0] = 1;
    mvhd1.writeUInt32BE(600, 20);
    mvhd1.writeBigUInt64BE(600n * 125n, 24);
    expect(await readMediaFacts(bufferSource(Buffer.concat([ftyp, box("moov", box("mvhd", mvhd1, Buffer.alloc(80)))])))).toEqual({
      format: "mp4",
      durationSeconds: 125,
    });
    const mvhd0 = Buffer.alloc(20);
    mvhd0.writeUInt32BE(1000, 12);
    const mehd = Buffer.alloc(8);
    mehd.writeUInt32BE(7400, 4);
    const moov = box("moov", box("mvhd", mvhd0, Buffer.alloc(80)), box("mvex", box("mehd", mehd)));
    expect(await readMediaFacts(bufferSource(Buffer.concat([ftyp, moov])))).toEqual({ format: "mp4", durationSeconds: 7 });
  });

  it("returns null for what is not a photo or a video", async () => {
    const zip = Buffer.concat([Buffer.from("PK\x03\x04", "latin1"), Buffer.alloc(100)]);
    const pdf = readFileSync(new URL("../pdf/scan.pdf", fixtures));
    for (const bytes of [Buffer.alloc(0), Buffer.from("hello"), Buffer.from("plain text, not a picture at all"), zip, pdf]) {
      expect(await readMediaFacts(bufferSource(bytes))).toBeNull();
    }
  });
});

describe("exifTakenAt", () => {
  it("ignores a blank or zeroed date, and an EXIF block whose offsets point outside it", () => {
    const tiff = (date: string, ifdOffset = 8) => {
      const b = Buffer.alloc(8 + 2 + 12 + 4 + 20);
      b.write("II", 0, "latin1");
      b.writeUInt16LE(42, 2);
      b.writeUInt32LE(ifdOffset, 4);
      b.writeUInt16LE(1, 8);
      b.writeUInt16LE(0x0132, 10); // DateTime
      b.writeUInt16LE(2, 12); // ASCII
      b.writeUInt32LE(20, 14);
      b.writeUInt32LE(26, 18);
      b.write(date, 26, "latin1");
      return b;
    };
    expect(exifTakenAt(tiff("2019:08:07 06:05:04\0"))).toBe("2019-08-07 06:05:04");
    expect(exifTakenAt(tiff("0000:00:00 00:00:00\0"))).toBeUndefined();
    expect(exifTakenAt(tiff("    :  :     :  :  \0"))).toBeUndefined();
    expect(exifTakenAt(tiff("2019:08:07 06:05:04\0", 4000))).toBeUndefined();
  });
});
