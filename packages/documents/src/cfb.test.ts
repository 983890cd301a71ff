import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isCompoundFile, openCompoundFile } from "./cfb.ts";
import { OleUnreadableError } from "./errors.ts";

const office = new URL("../../../test/fixtures/office/", import.meta.url);

const ENDOFCHAIN = 0xfffffffe;
const FREESECT = 0xffffffff;

/**
 * A compound file with one root-level stream, laid out as FAT sectors, DIFAT sectors, one
 * directory sector, then the stream. `fatSectors` beyond what the file needs are all free
 * entries: more than 109 of them forces the DIFAT to continue in DIFAT sectors.
 */
function compoundFile(options: { sectorShift: 9 | 12; fatSectors: number; name: string; data: Buffer }): Buffer {
  const size = 1 << options.sectorShift;
  const perSector = size / 4;
  const fatCount = options.fatSectors;
  const difatCount = Math.max(0, Math.ceil((fatCount - 109) / (perSector - 1)));
  const dirSector = fatCount + difatCount;
  const dataSectors = Math.ceil(options.data.length / size);
  const fat = new Uint32Array(fatCount * perSector).fill(FREESECT);
  for (let i = 0; i < fatCount; i++) fat[i] = 0xfffffffd;
  for (let i = 0; i < difatCount; i++) fat[fatCount + i] = 0xfffffffc;
  fat[dirSector] = ENDOFCHAIN;
  for (let i = 0; i < dataSectors; i++) fat[dirSector + 1 + i] = i === dataSectors - 1 ? ENDOFCHAIN : dirSector + 2 + i;

  const header = Buffer.alloc(size);
  Buffer.from("d0cf11e0a1b11ae1", "hex").copy(header);
  header.writeUInt16LE(0x3e, 0x18);
  header.writeUInt16LE(options.sectorShift === 9 ? 3 : 4, 0x1a);
  header.writeUInt16LE(0xfffe, 0x1c);
  header.writeUInt16LE(options.sectorShift, 0x1e);
  header.writeUInt16LE(6, 0x20);
  header.writeUInt32LE(fatCount, 0x2c);
  header.writeUInt32LE(dirSector, 0x30);
  header.writeUInt32LE(4096, 0x38);
  header.writeUInt32LE(ENDOFCHAIN, 0x3c);
  header.writeUInt32LE(difatCount > 0 ? fatCount : ENDOFCHAIN, 0x44);
  header.writeUInt32LE(difatCount, 0x48);
  header.fill(0xff, 0x4c, 512);
  for (let i = 0; i < Math.min(109, fatCount); i++) header.writeUInt32LE(i, 0x4c + i * 4);

  const fatBytes = Buffer.alloc(fatCount * size);
  fat.forEach((v, i) => fatBytes.writeUInt32LE(v, i * 4));
  const difat = Buffer.alloc(difatCount * size, 0xff);
  for (let n = 109; n < fatCount; n++) {
    const d = Math.floor((n - 109) / (perSector - 1));
    difat.writeUInt32LE(n, d * size + ((n - 109) % (perSector - 1)) * 4);
    // The last slot of each DIFAT sector names the next one.
    if (d + 1 < difatCount) difat.writeUInt32LE(fatCount + d + 1, d * size + (perSector - 1) * 4);
  }
  const dir = Buffer.alloc(size);
  const entry = (at: number, name: string, type: number, child: number, start: number, length: number) => {
    dir.write(name, at, "utf16le");
    dir.writeUInt16LE((name.length + 1) * 2, at + 0x40);
    dir[at + 0x42] = type;
    dir.writeUInt32LE(FREESECT, at + 0x44);
    dir.writeUInt32LE(FREESECT, at + 0x48);
    dir.writeUInt32LE(child, at + 0x4c);
    dir.writeUInt32LE(start, at + 0x74);
    dir.writeUInt32LE(length, at + 0x78);
  };
  entry(0, "Root Entry", 5, 1, ENDOFCHAIN, 0);
  entry(128, options.name, 2, FREESECT, dirSector + 1, options.data.length);
  const data = Buffer.concat([options.data, Buffer.alloc(dataSectors * size - options.data.length)]);
  return Buffer.concat([header, fatBytes, difat, dir, data]);
}

/** Where the FAT entry of `sector` sits in a version 3 file whose FAT fits in the header's DIFAT. */
function fatEntryOffset(buf: Buffer, sector: number): number {
  const fatSector = buf.readUInt32LE(0x4c + Math.floor(sector / 128) * 4);
  return (fatSector + 1) * 512 + (sector % 128) * 4;
}

describe("openCompoundFile", () => {
  it("lists a LibreOffice .doc's root streams and reads them from the FAT and the mini stream, by any case", () => {
    const file = openCompoundFile(readFileSync(new URL("rongchang-summary.doc", office)));
    expect(file.streamNames()).toEqual(expect.arrayContaining(["WordDocument", "1Table", "\u0005SummaryInformation"]));
    expect(file.stream("worddocument")!.readUInt16LE(0)).toBe(0xa5ec);
    // The property set is under 4096 bytes, so it lives in the mini stream; it starts with its byte order mark.
    expect(file.stream("\u0005SummaryInformation")!.readUInt16LE(0)).toBe(0xfffe);
    expect(file.stream("Workbook")).toBeNull();
  });

  it("reads 4096-byte sectors, and a FAT listed partly in DIFAT sectors", () => {
    const data = Buffer.from("职业教育活动周".repeat(800));
    for (const [sectorShift, fatSectors] of [
      [12, 1],
      [9, 240],
      [12, 120],
    ] as const) {
      const file = openCompoundFile(compoundFile({ sectorShift, fatSectors, name: "Workbook", data }));
      expect(file.streamNames()).toEqual(["Workbook"]);
      expect(file.stream("WORKBOOK")!.equals(data), `shift ${sectorShift}, ${fatSectors} FAT sectors`).toBe(true);
    }
  });

  it("refuses a non-OLE buffer, a truncated file, a FAT cycle, a sector past the end and a size that lies", () => {
    const valid = readFileSync(new URL("rongchang-summary.doc", office));
    expect(isCompoundFile(valid)).toBe(true);
    const cycle = Buffer.from(valid);
    const dirStart = cycle.readUInt32LE(0x30);
    cycle.writeUInt32LE(dirStart, fatEntryOffset(cycle, dirStart));
    const outside = Buffer.from(valid);
    outside.writeUInt32LE(0x00ffffff, 0x30);
    const lying = compoundFile({ sectorShift: 9, fatSectors: 1, name: "Book", data: Buffer.alloc(5000, 1) });
    lying.writeUInt32LE(0x7fffffff, 512 * 2 + 128 + 0x78); // the directory is sector 1
    const difatLoop = compoundFile({ sectorShift: 9, fatSectors: 240, name: "Book", data: Buffer.alloc(5000, 1) });
    difatLoop.writeUInt32LE(240, (240 + 1) * 512 + 127 * 4);

    const cases: [string, () => unknown][] = [
      ["not OLE", () => openCompoundFile(Buffer.from("PK\u0003\u0004 not a compound file"))],
      ["empty", () => openCompoundFile(Buffer.alloc(0))],
      ["truncated", () => openCompoundFile(readFileSync(new URL("truncated.doc", office))).stream("WordDocument")],
      ["FAT cycle", () => openCompoundFile(cycle)],
      ["sector past the end", () => openCompoundFile(outside)],
      ["size that lies", () => openCompoundFile(lying).stream("Book")],
      ["DIFAT loop", () => openCompoundFile(difatLoop)],
    ];
    for (const [what, open] of cases) {
      expect(open, what).toThrow(OleUnreadableError);
    }
  });
});
