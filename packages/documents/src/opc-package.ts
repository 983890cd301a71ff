import { posix } from "node:path";
import { scanXml } from "./xml-scanner.ts";
import { inflateEntry, listZipEntries, type ZipEntry } from "./zip-entries.ts";

/** A relationship of one part to another, its target resolved to a part name. */
export interface Relationship {
  id: string;
  /** The last segment of the type URI: `officeDocument`, `worksheet`, `sharedStrings`, `styles`. */
  type: string;
  part: string;
}

/**
 * The parts of an Office Open XML package (a zip), read under one byte ceiling shared by every
 * part inflated: a zip bomb stops at the ceiling, not in the heap. Part names are matched
 * without case and with backslashes read as slashes, because not every writer follows the spec.
 */
export class OpcPackage {
  private readonly entries = new Map<string, ZipEntry>();
  private used = 0;

  /** Throws ZipFormatError when the bytes are not a zip. */
  constructor(
    private readonly buf: Buffer,
    private readonly maxBytes: number,
  ) {
    for (const entry of listZipEntries(buf)) {
      if (!entry.name.endsWith("/")) this.entries.set(normalise(entry.name), entry);
    }
  }

  has(part: string): boolean {
    return this.entries.has(normalise(part));
  }

  /** The part's text, or null when it is missing; throws ZipEntryTooLargeError past the ceiling. */
  text(part: string): string | null {
    const entry = this.entries.get(normalise(part));
    if (!entry) return null;
    const bytes = inflateEntry(this.buf, entry, this.maxBytes - this.used);
    this.used += bytes.length;
    return bytes.toString("utf8");
  }

  /** The relationships of a part (`xl/workbook.xml` → `xl/_rels/workbook.xml.rels`); [] when it has none. */
  relationships(part: string): Relationship[] {
    const dir = posix.dirname(normalise(part));
    const xml = this.text(posix.join(dir === "." ? "" : dir, "_rels", `${posix.basename(normalise(part))}.rels`));
    if (!xml) return [];
    const out: Relationship[] = [];
    scanXml(xml, {
      open: (name, a) => {
        if (name !== "Relationship" || !a.Target || a.TargetMode === "External") return;
        out.push({ id: a.Id ?? "", type: (a.Type ?? "").split("/").pop() ?? "", part: resolveTarget(dir, a.Target) });
      },
      close: () => undefined,
    });
    return out;
  }
}

/** Backslashes as slashes, no leading slash, lower case: how part names are compared. */
function normalise(name: string): string {
  return name.replace(/\\/gu, "/").replace(/^\/+/u, "").toLowerCase();
}

/** A relationship target, relative to the source part's folder, or absolute (`/xl/worksheets/sheet1.xml`). */
export function resolveTarget(sourceDir: string, target: string): string {
  const t = decodeURIComponentSafe(target).replace(/\\/gu, "/");
  const joined = t.startsWith("/") ? t : posix.join(sourceDir === "." ? "" : sourceDir, t);
  return posix
    .normalize(joined)
    .replace(/^(\.\.\/)+/u, "")
    .replace(/^\/+/u, "");
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
