import type { FileContent } from "@baosong/core";
import type { BlobStore } from "@baosong/blobs";
import { DocumentError, readDocx, readXlsxSheets } from "@baosong/documents";
import type { ReadPart } from "@baosong/mail";

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/** A real 情况统计表 has a few hundred cells; a district list a few thousand. */
const MAX_CELLS = 200_000;
const DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
/** A summary report runs to a few thousand characters; a hundred pages would be 200k. */
const MAX_DOC_CHARS = 200_000;

/** Reads what can be read of each part (spreadsheets and .docx so far); bad files become findings, not crashes. */
export async function readContents(blobs: BlobStore, parts: readonly ReadPart[]): Promise<Map<number, FileContent>> {
  const contents = new Map<number, FileContent>();
  for (const part of parts) {
    if (part.mediaType !== XLSX && part.mediaType !== DOCX) continue;
    try {
      const content: FileContent =
        part.mediaType === XLSX
          ? { sheets: await readXlsxSheets(blobs.open(part.blobKey), { maxCells: MAX_CELLS }) }
          : { doc: await readDocx(blobs.open(part.blobKey), { maxChars: MAX_DOC_CHARS }) };
      contents.set(part.position, content);
    } catch (err) {
      if (!(err instanceof DocumentError)) throw err;
      contents.set(part.position, { unreadable: { code: err.code, detail: err.message } });
    }
  }
  return contents;
}
