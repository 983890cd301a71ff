import { crc32 } from "node:zlib";
import iconv from "iconv-lite";

const UTF8_FLAG = 0x800;
const UNICODE_PATH_EXTRA = 0x7075;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A zip member's name from its raw bytes. Windows Explorer and WinRAR on Chinese Windows
 * write names in the ANSI code page (GBK) without the UTF-8 flag (general purpose bit 11);
 * macOS writes UTF-8 without the flag. So: the Info-ZIP Unicode Path extra field when its
 * CRC matches the name, then the flag, then UTF-8 when the bytes are valid UTF-8, else
 * GB18030 (a superset of GBK).
 */
export function decodeZipName(raw: Buffer, generalPurposeBitFlag: number, extraFields: readonly { id: number; data: Buffer }[]): string {
  const unicodePath = unicodePathOf(raw, extraFields);
  if (unicodePath !== null) return unicodePath;
  if (generalPurposeBitFlag & UTF8_FLAG) return raw.toString("utf8");
  const utf8 = strictUtf8Of(raw);
  return utf8 ?? iconv.decode(raw, "gb18030");
}

// APPNOTE 4.6.9: version 1, CRC-32 of the header's name, then the UTF-8 name. A CRC that
// does not match means a tool renamed the entry without updating the field: ignore it.
function unicodePathOf(raw: Buffer, extraFields: readonly { id: number; data: Buffer }[]): string | null {
  const field = extraFields.find((f) => f.id === UNICODE_PATH_EXTRA);
  if (!field || field.data.length < 5 || field.data[0] !== 1) return null;
  if (field.data.readUInt32LE(1) !== crc32(raw) >>> 0) return null;
  return strictUtf8Of(field.data.subarray(5));
}

function strictUtf8Of(bytes: Buffer): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}
