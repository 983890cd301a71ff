import type { FileContent } from "@baosong/core";
import type { BlobStore } from "@baosong/blobs";
import { DocumentError, readXlsxSheets } from "@baosong/documents";
import type { ReadPart } from "@baosong/mail";

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/** A real 情况统计表 has a few hundred cells; a district list a few thousand. */
const MAX_CELLS = 200_000;

/** Reads what can be read of each part (spreadsheets so far); bad files become findings, not crashes. */
export async function readContents(blobs: BlobStore, parts: readonly ReadPart[]): Promise<Map<number, FileContent>> {
  const contents = new Map<number, FileContent>();
  for (const part of parts) {
    if (part.mediaType !== XLSX) continue;
    try {
      contents.set(part.position, { sheets: await readXlsxSheets(blobs.open(part.blobKey), { maxCells: MAX_CELLS }) });
    } catch (err) {
      if (!(err instanceof DocumentError)) throw err;
      contents.set(part.position, { unreadable: { code: err.code, detail: err.message } });
    }
  }
  return contents;
}
