/**
 * `pnpm bench` section: read speed per format. For .xlsx our bounded reader is set against the
 * reader it replaced (exceljs, kept for writing the digest workbook); the other formats had no
 * earlier reader and are measured alone. Prints numbers; asserts nothing.
 */
import { readFileSync } from "node:fs";
import { defaultFileReadLimits, officeTypes, readFileContent } from "@baosong/documents";
import { ExcelJS } from "./fixtures/lib/xlsx-writer.ts";

const fixture = (path: string) => readFileSync(new URL(`../test/fixtures/${path}`, import.meta.url));

/** Reads per second, after a warm-up, over at least `minMs`. */
async function rate(read: () => Promise<unknown>, minMs = 1500): Promise<number> {
  await read();
  let n = 0;
  const started = performance.now();
  while (performance.now() - started < minMs) {
    await read();
    n++;
  }
  return n / ((performance.now() - started) / 1000);
}

/** exceljs as the worker used it before: load the whole workbook, walk every cell. */
async function readWithExcelJs(bytes: Buffer): Promise<number> {
  const { Workbook } = (await import("exceljs")).default as unknown as {
    Workbook: new () => { xlsx: { load(b: Buffer): Promise<unknown> }; worksheets: { eachRow(f: (row: { eachCell(g: () => void): void }) => void): void }[] };
  };
  const wb = new Workbook();
  await wb.xlsx.load(bytes);
  let cells = 0;
  for (const ws of wb.worksheets) ws.eachRow((row) => row.eachCell(() => cells++));
  return cells;
}

async function largeWorkbook(rows: number): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet("情况统计表");
  ws.getCell(1, 1).value = "学校";
  for (let r = 2; r <= rows; r++) for (let c = 1; c <= 4; c++) ws.getCell(r, c).value = c === 1 ? `学校${r}` : r * c;
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export async function benchReaders(): Promise<void> {
  const ours = (type: string) => (bytes: Buffer) => () => readFileContent(bytes, type, defaultFileReadLimits);
  const xlsxCases: [string, Buffer][] = [
    ["forms/district-stats.xlsx", fixture("forms/district-stats.xlsx")],
    ["regressions/dialects/prefixed-shared-numbered-relative.xlsx", fixture("regressions/dialects/prefixed-shared-numbered-relative.xlsx")],
    ["generated 20,000-row workbook", await largeWorkbook(Number(process.env.BENCH_ROWS ?? 20_000))],
  ];
  for (const [name, bytes] of xlsxCases) {
    const ourRate = await rate(ours(officeTypes.xlsx)(bytes));
    const theirRate = await rate(() => readWithExcelJs(bytes)).catch(() => 0);
    console.log(
      JSON.stringify({
        bench: "read .xlsx",
        file: name,
        fileKB: Math.round(bytes.length / 1024),
        readsPerSecond: Number(ourRate.toFixed(1)),
        exceljsReadsPerSecond: theirRate ? Number(theirRate.toFixed(1)) : "refused",
        speedup: theirRate ? Number((ourRate / theirRate).toFixed(1)) : null,
      }),
    );
  }
  const others: [string, string, string][] = [
    [".xls", "office/district-stats.xls", officeTypes.ole],
    [".et", "office/rongchang-stats.et", officeTypes.ole],
    [".docx", "reports/rongchang-summary.docx", officeTypes.docx],
    [".doc", "office/rongchang-summary.doc", officeTypes.ole],
    [".pdf", "pdf/rongchang-summary.pdf", officeTypes.pdf],
  ];
  for (const [format, path, type] of others) {
    const bytes = fixture(path);
    console.log(
      JSON.stringify({
        bench: `read ${format}`,
        file: path,
        fileKB: Math.round(bytes.length / 1024),
        readsPerSecond: Number((await rate(ours(type)(bytes))).toFixed(1)),
      }),
    );
  }
}
