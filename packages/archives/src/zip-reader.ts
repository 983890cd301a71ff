import type { Readable } from "node:stream";
import yauzl, { type Entry, type ZipFile } from "yauzl";
import type { ArchiveScope, MemberSink } from "./member-sink.ts";
import { isDirectoryName, memberPath } from "./member-path.ts";
import { readZipLocalHeaders } from "./zip-local-headers.ts";
import { decodeZipName } from "./zip-name.ts";

const MSDOS_DIRECTORY = 0x10;

/** Reads a zip from a private temp file: its central directory first, as unzip tools do. */
export async function readZip(file: string, scope: ArchiveScope, sink: MemberSink): Promise<void> {
  let zip: ZipFile;
  try {
    // decodeStrings: false gives the raw name bytes, which are GBK in Windows-made zips.
    zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true });
  } catch (err) {
    // No readable central directory, usually a download cut short: the local headers in
    // front still say where the first members are.
    const read = await readZipLocalHeaders(file, scope, sink);
    sink.problem("archive_corrupt", scope.path, `${messageOf(err)}; ${read} file(s) read from local headers`);
    return;
  }
  // yauzl emits errors on the zip object; one with no listener would crash the worker.
  zip.on("error", () => {});
  try {
    for (;;) {
      let entry: Entry | null;
      try {
        entry = await nextEntry(zip);
      } catch (err) {
        const code = /encryption/i.test(messageOf(err)) ? "archive_encrypted" : "archive_corrupt";
        sink.problem(code, scope.path, messageOf(err));
        return;
      }
      if (!entry || (await readEntry(zip, entry, scope, sink)) === "stop") return;
    }
  } finally {
    zip.close();
  }
}

async function readEntry(zip: ZipFile, entry: Entry, scope: ArchiveScope, sink: MemberSink): Promise<"next" | "stop"> {
  const name = decodeZipName(entry.fileNameRaw, entry.generalPurposeBitFlag, entry.extraFields);
  if (isDirectoryName(name) || isDosDirectory(entry)) return "next";
  const admission = sink.admit(scope, name, entry.uncompressedSize, entry.compressedSize);
  if (admission !== "extract") return admission === "stop" ? "stop" : "next";
  const path = memberPath(scope.path, name);
  if (entry.isEncrypted()) {
    sink.problem("archive_encrypted", path, "encrypted with a password");
    return "next";
  }
  if (!entry.canDecodeFileData()) {
    sink.problem("archive_unsupported", path, `zip compression method ${entry.compressionMethod} is not supported`);
    return "next";
  }
  let content: Readable;
  try {
    content = await zip.openReadStreamPromise(entry);
  } catch (err) {
    sink.problem("archive_corrupt", path, messageOf(err));
    return "next";
  }
  await sink.store(scope, name, content, { size: entry.uncompressedSize, crc32: entry.crc32 });
  return sink.stopped ? "stop" : "next";
}

function isDosDirectory(entry: Entry): boolean {
  const madeOnDos = entry.versionMadeBy >> 8 === 0;
  return madeOnDos && (entry.externalFileAttributes & MSDOS_DIRECTORY) !== 0 && entry.uncompressedSize === 0;
}

function nextEntry(zip: ZipFile): Promise<Entry | null> {
  return new Promise((resolve, reject) => {
    const settle = (): void => {
      zip.off("entry", onEntry);
      zip.off("end", onEnd);
      zip.off("error", onError);
    };
    const onEntry = (entry: Entry): void => (settle(), resolve(entry));
    const onEnd = (): void => (settle(), resolve(null));
    const onError = (err: Error): void => (settle(), reject(err));
    zip.on("entry", onEntry);
    zip.on("end", onEnd);
    zip.on("error", onError);
    zip.readEntry();
  });
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
