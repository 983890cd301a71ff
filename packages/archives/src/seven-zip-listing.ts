/** One item of `7zz l -slt`. */
export interface SevenZipItem {
  path: string;
  size: number | null;
  crc32: number | null;
  isDirectory: boolean;
  encrypted: boolean;
}

export interface SevenZipListing {
  /** `7z`, `Rar`, `Rar5` … as 7-Zip names the format it opened; null when it opened none. */
  type: string | null;
  items: SevenZipItem[];
  /** Error and warning lines, for the problem's detail. */
  errors: string[];
}

const FIELD = /^([A-Za-z][A-Za-z ]*?) = ?(.*)$/;
const ERROR_LINE = /error|warning|cannot|unexpected|is not archive|wrong password|unsupported/i;

/**
 * Reads the technical listing of 7-Zip (`l -slt`): the archive's own block, a line of ten
 * dashes, then one block of `Key = Value` lines per item, blocks separated by blank lines.
 */
export function parseSevenZipListing(output: string): SevenZipListing {
  const lines = output.split(/\r?\n/);
  const separator = lines.indexOf("----------");
  const errors = lines.filter((line) => !FIELD.test(line) && ERROR_LINE.test(line)).map((line) => line.trim());
  const archiveBlock = fieldsOf(separator >= 0 ? lines.slice(0, separator) : lines);
  const items: SevenZipItem[] = [];
  if (separator >= 0) {
    let block: string[] = [];
    for (const line of [...lines.slice(separator + 1), ""]) {
      if (line !== "") {
        block.push(line);
        continue;
      }
      const item = itemOf(fieldsOf(block));
      if (item) items.push(item);
      block = [];
    }
  }
  return { type: separator >= 0 ? (archiveBlock.get("Type") ?? null) : null, items, errors };
}

function itemOf(fields: Map<string, string>): SevenZipItem | null {
  const path = fields.get("Path");
  if (path === undefined) return null;
  const size = fields.get("Size");
  const crc = fields.get("CRC");
  const attributes = fields.get("Attributes") ?? "";
  return {
    path,
    size: size && /^\d+$/.test(size) ? Number(size) : null,
    crc32: crc && /^[0-9A-Fa-f]{8}$/.test(crc) ? parseInt(crc, 16) : null,
    isDirectory: fields.get("Folder") === "+" || attributes.startsWith("D"),
    encrypted: fields.get("Encrypted") === "+",
  };
}

function fieldsOf(lines: string[]): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of lines) {
    const m = FIELD.exec(line);
    if (m?.[1] && m[2] !== undefined && !fields.has(m[1])) fields.set(m[1], m[2]);
  }
  return fields;
}
