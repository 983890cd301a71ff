import { OleUnreadableError } from "./errors.ts";

/**
 * Just enough of the OLE2 Compound File Binary format ([MS-CFB]) to take the root-level streams
 * out of an .xls/.et/.doc/.wps: the header, the DIFAT, the FAT, the mini FAT and mini stream, and
 * the directory tree. Every chain walk is bounded by the sectors the file holds, so a hostile
 * file (a chain that loops, a sector past the end, a size that lies) throws OleUnreadableError
 * instead of hanging or allocating.
 */
export interface CompoundFile {
  /** Names of the streams directly under the root storage, as written. */
  streamNames(): string[];
  /** A root-level stream's bytes, matched case-insensitively; null when there is none. */
  stream(name: string): Buffer | null;
}

const SIGNATURE = Buffer.from("d0cf11e0a1b11ae1", "hex");
const HEADER_DIFAT_ENTRIES = 109;
const DIR_ENTRY_SIZE = 128;
/** Sector numbers at or above this are markers (DIFSECT, FATSECT, ENDOFCHAIN, FREESECT), not sectors. */
const MAXREGSECT = 0xfffffffa;
const ENDOFCHAIN = 0xfffffffe;
const FREESECT = 0xffffffff;
const NOSTREAM = 0xffffffff;

const TYPE_STORAGE = 1;
const TYPE_STREAM = 2;
const TYPE_ROOT = 5;

interface DirEntry {
  name: string;
  type: number;
  left: number;
  right: number;
  child: number;
  start: number;
  size: number;
}

/** True when the bytes begin with the compound file signature (an .xls, .doc, .et, .wps, .msg…). */
export function isCompoundFile(buf: Buffer): boolean {
  return buf.length >= SIGNATURE.length && buf.subarray(0, SIGNATURE.length).equals(SIGNATURE);
}

function fail(message: string): never {
  throw new OleUnreadableError(`not a readable OLE compound file: ${message}`);
}

export function openCompoundFile(buf: Buffer): CompoundFile {
  if (!isCompoundFile(buf)) fail("no compound file signature");
  if (buf.length < 512) fail("shorter than its header");
  if (buf.readUInt16LE(0x1c) !== 0xfffe) fail("wrong byte order mark");
  const sectorShift = buf.readUInt16LE(0x1e);
  const miniShift = buf.readUInt16LE(0x20);
  // Version 3 files use 512-byte sectors, version 4 files 4096; mini sectors are always 64 bytes.
  if (sectorShift !== 9 && sectorShift !== 12) fail(`sector shift ${sectorShift}`);
  if (miniShift !== 6) fail(`mini sector shift ${miniShift}`);
  const sectorSize = 1 << sectorShift;
  // The header occupies the first sector; a last sector cut short by the writer is tolerated.
  const sectorCount = Math.ceil((buf.length - sectorSize) / sectorSize);
  if (sectorCount <= 0) fail("no sectors after the header");
  const perSector = sectorSize / 4;

  const sectorAt = (n: number): Buffer => {
    if (n >= sectorCount) fail(`sector ${n} lies past the end of the file`);
    return buf.subarray((n + 1) * sectorSize, Math.min(buf.length, (n + 2) * sectorSize));
  };

  const fat = readFat(buf, sectorAt, sectorCount, perSector);

  /** The sectors of a chain, in order: each visited once, each inside the file. */
  const chain = (start: number, table: Uint32Array, limit: number, what: string): number[] => {
    const out: number[] = [];
    const seen = new Set<number>();
    for (let n = start; n !== ENDOFCHAIN; n = table[n] ?? FREESECT) {
      if (n > MAXREGSECT || n >= limit) fail(`${what} chain points at ${n === FREESECT ? "a free sector" : `sector ${n}`}`);
      if (seen.has(n)) fail(`${what} chain loops at sector ${n}`);
      seen.add(n);
      out.push(n);
    }
    return out;
  };

  const readChain = (start: number, size: number, what: string): Buffer => {
    if (size > buf.length) fail(`${what} claims ${size} bytes, more than the file holds`);
    if (size === 0) return Buffer.alloc(0);
    const sectors = chain(start, fat, sectorCount, what);
    const data = Buffer.concat(sectors.map(sectorAt));
    if (data.length < size) fail(`${what} is cut short`);
    return data.subarray(0, size);
  };

  const directoryStart = buf.readUInt32LE(0x30);
  const dirSectors = chain(directoryStart, fat, sectorCount, "directory");
  const dirBytes = Buffer.concat(dirSectors.map(sectorAt));
  const entries = readDirectory(dirBytes, sectorShift === 9);
  const root = entries[0];
  if (!root || root.type !== TYPE_ROOT) fail("the first directory entry is not the root");

  const cutoff = buf.readUInt32LE(0x38);
  let mini: { stream: Buffer; fat: Uint32Array } | null = null;
  const miniParts = () => {
    if (mini) return mini;
    const stream = readChain(root.start, root.size, "mini stream");
    const miniFatStart = buf.readUInt32LE(0x3c);
    const miniFatSectors = buf.readUInt32LE(0x40);
    if (miniFatSectors > sectorCount) fail("more mini FAT sectors than the file holds");
    const bytes = miniFatSectors === 0 ? Buffer.alloc(0) : readChain(miniFatStart, miniFatSectors * sectorSize, "mini FAT");
    const table = new Uint32Array(bytes.length / 4);
    for (let i = 0; i < table.length; i++) table[i] = bytes.readUInt32LE(i * 4);
    mini = { stream, fat: table };
    return mini;
  };

  const readEntry = (e: DirEntry): Buffer => {
    if (e.size >= cutoff) return readChain(e.start, e.size, `stream ${e.name}`);
    if (e.size === 0) return Buffer.alloc(0);
    const m = miniParts();
    const miniCount = Math.ceil(m.stream.length / 64);
    const sectors = chain(e.start, m.fat, miniCount, `mini stream ${e.name}`);
    const data = Buffer.concat(sectors.map((n) => m.stream.subarray(n * 64, n * 64 + 64)));
    if (data.length < e.size) fail(`stream ${e.name} is cut short`);
    return data.subarray(0, e.size);
  };

  const streams = rootStreams(entries);
  return {
    streamNames: () => streams.map((e) => e.name),
    stream(name) {
      const wanted = name.toLowerCase();
      const e = streams.find((s) => s.name.toLowerCase() === wanted);
      return e ? readEntry(e) : null;
    },
  };
}

/** The FAT's sector numbers come from the header's 109 DIFAT slots, then a chain of DIFAT sectors. */
function readFat(buf: Buffer, sectorAt: (n: number) => Buffer, sectorCount: number, perSector: number): Uint32Array {
  const fatSectorCount = buf.readUInt32LE(0x2c);
  if (fatSectorCount === 0 || fatSectorCount > sectorCount) fail(`${fatSectorCount} FAT sectors declared`);
  const fatSectors: number[] = [];
  for (let i = 0; i < HEADER_DIFAT_ENTRIES && fatSectors.length < fatSectorCount; i++) {
    fatSectors.push(buf.readUInt32LE(0x4c + i * 4));
  }
  const seen = new Set<number>();
  for (let n = buf.readUInt32LE(0x44); fatSectors.length < fatSectorCount; ) {
    if (n > MAXREGSECT || n >= sectorCount) fail("the DIFAT chain ends before listing every FAT sector");
    if (seen.has(n)) fail(`the DIFAT chain loops at sector ${n}`);
    seen.add(n);
    const sector = sectorAt(n);
    if (sector.length < perSector * 4) fail("a DIFAT sector is cut short");
    for (let i = 0; i < perSector - 1 && fatSectors.length < fatSectorCount; i++) fatSectors.push(sector.readUInt32LE(i * 4));
    n = sector.readUInt32LE((perSector - 1) * 4);
  }
  const fat = new Uint32Array(fatSectorCount * perSector);
  fatSectors.forEach((s, i) => {
    if (s > MAXREGSECT || s >= sectorCount) fail(`FAT sector ${s} lies outside the file`);
    const sector = sectorAt(s);
    for (let j = 0; j * 4 + 4 <= sector.length; j++) fat[i * perSector + j] = sector.readUInt32LE(j * 4);
  });
  return fat;
}

function readDirectory(bytes: Buffer, version3: boolean): DirEntry[] {
  const entries: DirEntry[] = [];
  for (let p = 0; p + DIR_ENTRY_SIZE <= bytes.length; p += DIR_ENTRY_SIZE) {
    const nameLength = Math.min(64, bytes.readUInt16LE(p + 0x40));
    const name = bytes.toString("utf16le", p, p + Math.max(0, nameLength - 2));
    const low = bytes.readUInt32LE(p + 0x78);
    const high = bytes.readUInt32LE(p + 0x7c);
    // Version 3 writers may leave garbage in the size's high half; the spec says to ignore it.
    const size = version3 ? low : high * 0x1_0000_0000 + low;
    entries.push({
      name,
      type: bytes[p + 0x42]!,
      left: bytes.readUInt32LE(p + 0x44),
      right: bytes.readUInt32LE(p + 0x48),
      child: bytes.readUInt32LE(p + 0x4c),
      start: bytes.readUInt32LE(p + 0x74),
      size,
    });
  }
  return entries;
}

/** The root's children: a red-black tree walked through left and right siblings, each entry once. */
function rootStreams(entries: DirEntry[]): DirEntry[] {
  const out: DirEntry[] = [];
  const seen = new Set<number>();
  const pending = [entries[0]!.child];
  while (pending.length > 0) {
    const i = pending.pop()!;
    if (i === NOSTREAM) continue;
    if (i >= entries.length) fail(`directory entry ${i} does not exist`);
    if (seen.has(i)) fail(`the directory tree loops at entry ${i}`);
    seen.add(i);
    const e = entries[i]!;
    if (e.type === TYPE_STREAM) out.push(e);
    else if (e.type !== TYPE_STORAGE) fail(`directory entry ${i} has type ${e.type}`);
    pending.push(e.left, e.right);
  }
  return out;
}
