export type ArchiveFormat = "zip" | "7z" | "rar";

const SEVEN_ZIP = Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]);
const RAR4 = Buffer.from("Rar!\x1a\x07\x00", "latin1");
const RAR5 = Buffer.from("Rar!\x1a\x07\x01\x00", "latin1");
const ZIP_LOCAL = Buffer.from("PK\x03\x04", "latin1");
const ZIP_EMPTY = Buffer.from("PK\x05\x06", "latin1");

// Media types under which a plain zip may arrive. Any other type that file-type gives a zip
// (docx, xlsx, odt, epub, jar, apk …) is a document to read, not an archive to open.
const ZIP_MEDIA_TYPES = new Set(["", "application/zip", "application/x-zip-compressed", "application/octet-stream"]);

// First entries that make a zip a document: OOXML (Office, WPS), ODF and EPUB (`mimetype`),
// Java archives.
const DOCUMENT_ENTRY = /^(\[Content_Types\]\.xml|_rels\/|docProps\/|word\/|xl\/|ppt\/|customXml\/|mimetype|META-INF\/)/;

/**
 * Whether a file is an archive to unpack, from its first bytes. `mediaType` is what
 * detection said (empty when unknown); it only rules out zip-based documents.
 */
export function archiveFormatOf(head: Buffer, mediaType: string): ArchiveFormat | null {
  if (startsWith(head, SEVEN_ZIP)) return "7z";
  if (startsWith(head, RAR4) || startsWith(head, RAR5)) return "rar";
  if (startsWith(head, ZIP_EMPTY)) return ZIP_MEDIA_TYPES.has(mediaType) ? "zip" : null;
  if (!startsWith(head, ZIP_LOCAL) || !ZIP_MEDIA_TYPES.has(mediaType)) return null;
  return DOCUMENT_ENTRY.test(firstEntryName(head)) ? null : "zip";
}

/** RAR 5 and RAR 4 are different formats to 7-Zip (`-trar5` / `-trar`). */
export function isRar5(head: Buffer): boolean {
  return startsWith(head, RAR5);
}

function firstEntryName(head: Buffer): string {
  if (head.length < 30) return "";
  const length = head.readUInt16LE(26);
  return head.subarray(30, 30 + length).toString("latin1");
}

function startsWith(head: Buffer, magic: Buffer): boolean {
  return head.length >= magic.length && head.subarray(0, magic.length).equals(magic);
}
