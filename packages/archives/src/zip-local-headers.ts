import { createReadStream } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { Readable, pipeline } from "node:stream";
import { createInflateRaw } from "node:zlib";
import type { ArchiveScope, MemberSink } from "./member-sink.ts";
import { isDirectoryName, memberPath } from "./member-path.ts";
import { decodeZipName } from "./zip-name.ts";

const LOCAL_HEADER = 0x04034b50;
const ENCRYPTED = 0x1;
const DATA_DESCRIPTOR = 0x8;
const ZIP64_EXTRA = 0x0001;

interface LocalEntry {
  name: string;
  method: number;
  flags: number;
  crc32: number;
  size: number;
  dataStart: number;
  dataEnd: number;
}

/**
 * Reads a zip front to back by its local headers, for when the central directory at the end
 * is missing. Stops at the first member it cannot delimit (cut off, or sizes only in a data
 * descriptor). Returns how many members were stored.
 */
export async function readZipLocalHeaders(file: string, scope: ArchiveScope, sink: MemberSink): Promise<number> {
  const handle = await open(file, "r");
  try {
    const fileSize = (await handle.stat()).size;
    let offset = 0;
    let stored = 0;
    while (!sink.stopped) {
      const entry = await localEntryAt(handle, offset, fileSize);
      if (!entry) break;
      offset = entry.dataEnd;
      if (isDirectoryName(entry.name)) continue;
      const admission = sink.admit(scope, entry.name, entry.size);
      if (admission === "stop") break;
      if (admission === "skip") continue;
      const path = memberPath(scope.path, entry.name);
      if (entry.flags & ENCRYPTED) {
        sink.problem("archive_encrypted", path, "encrypted with a password");
      } else if (entry.method !== 0 && entry.method !== 8) {
        sink.problem("archive_unsupported", path, `zip compression method ${entry.method} is not supported`);
      } else if (await sink.store(scope, entry.name, contentOf(file, entry), { size: entry.size, crc32: entry.crc32 })) {
        stored++;
      }
    }
    return stored;
  } finally {
    await handle.close();
  }
}

async function localEntryAt(handle: FileHandle, offset: number, fileSize: number): Promise<LocalEntry | null> {
  const header = await readAt(handle, offset, 30);
  if (header.length < 30 || header.readUInt32LE(0) !== LOCAL_HEADER) return null;
  const flags = header.readUInt16LE(6);
  const nameLength = header.readUInt16LE(26);
  const extraLength = header.readUInt16LE(28);
  const rawName = await readAt(handle, offset + 30, nameLength);
  const extra = await readAt(handle, offset + 30 + nameLength, extraLength);
  if (rawName.length < nameLength || extra.length < extraLength || flags & DATA_DESCRIPTOR) return null;
  const extraFields = extraFieldsOf(extra);
  let packed = header.readUInt32LE(18);
  let size = header.readUInt32LE(22);
  if (packed === 0xffffffff || size === 0xffffffff) {
    const zip64 = extraFields.find((f) => f.id === ZIP64_EXTRA)?.data;
    if (!zip64 || zip64.length < 16) return null;
    size = Number(zip64.readBigUInt64LE(0));
    packed = Number(zip64.readBigUInt64LE(8));
  }
  const dataStart = offset + 30 + nameLength + extraLength;
  if (dataStart + packed > fileSize) return null;
  return {
    name: decodeZipName(rawName, flags, extraFields),
    method: header.readUInt16LE(8),
    flags,
    crc32: header.readUInt32LE(14),
    size,
    dataStart,
    dataEnd: dataStart + packed,
  };
}

function contentOf(file: string, entry: LocalEntry): Readable {
  const raw =
    entry.dataEnd > entry.dataStart ? createReadStream(file, { start: entry.dataStart, end: entry.dataEnd - 1 }) : Readable.from([], { objectMode: false });
  return entry.method === 8 ? pipeline(raw, createInflateRaw(), () => {}) : raw;
}

function extraFieldsOf(extra: Buffer): { id: number; data: Buffer }[] {
  const fields: { id: number; data: Buffer }[] = [];
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    fields.push({ id, data: extra.subarray(at + 4, at + 4 + length) });
    at += 4 + length;
  }
  return fields;
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}
