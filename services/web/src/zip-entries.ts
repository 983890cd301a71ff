import { kindLabels, type DocumentKind } from "@baosong/core";
import type { ViewRow } from "@baosong/db";
import { fileSegment } from "./content-disposition.ts";

export interface ZipEntry {
  /** Folder path inside the zip, segments made safe. */
  path: string;
  sha256: string;
  row: ViewRow;
}

/**
 * Where each filed file goes in a download: `学校/类别/文件名` (or `类别/文件名` for one
 * school). The same bytes filed twice are zipped once; two different files with one name
 * become `名 (2).ext`.
 */
export function zipEntries(rows: readonly ViewRow[], bySchool: boolean): ZipEntry[] {
  const seen = new Set<string>();
  const used = new Set<string>();
  const out: ZipEntry[] = [];
  for (const row of rows) {
    const folder = [bySchool ? fileSegment(String(row.school ?? ""), "未识别学校") : null, kindLabels[row.kind as DocumentKind] ?? "其他文件"]
      .filter(Boolean)
      .join("/");
    const sha = String(row.sha256);
    if (seen.has(`${folder}\0${sha}`)) continue;
    seen.add(`${folder}\0${sha}`);
    const name = fileSegment(String(row.filename));
    let path = `${folder}/${name}`;
    for (let n = 2; used.has(path); n++) {
      const dot = name.lastIndexOf(".");
      path = `${folder}/${dot > 0 ? `${name.slice(0, dot)} (${n})${name.slice(dot)}` : `${name} (${n})`}`;
    }
    used.add(path);
    out.push({ path, sha256: sha, row });
  }
  return out;
}
