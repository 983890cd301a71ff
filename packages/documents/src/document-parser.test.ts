import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it, vi } from "vitest";
import { DocumentParser } from "./document-parser.ts";
import { defaultFileReadLimits, officeTypes, readFileContent } from "./read-file.ts";

const fixture = (path: string) => readFileSync(new URL(`../../../test/fixtures/${path}`, import.meta.url));

describe("readFileContent", () => {
  it("tells an .xls from a .doc by the streams of the OLE file, whatever the name", async () => {
    const xls = await readFileContent(fixture("office/rongchang-stats.et"), officeTypes.ole, defaultFileReadLimits);
    expect(xls.mediaType).toBe(officeTypes.xls);
    expect(xls.content.sheets?.[0]?.cells.flat()).toContain("重庆市荣昌区职业教育中心");
    const doc = await readFileContent(fixture("office/rongchang-summary.wps"), officeTypes.ole, defaultFileReadLimits);
    expect(doc.mediaType).toBe(officeTypes.doc);
    expect(doc.content.doc?.imageCount).toBe(5);
  });

  it("gives a scan its page count and no text, and a text PDF its lines", async () => {
    const scan = await readFileContent(fixture("pdf/scan.pdf"), officeTypes.pdf, defaultFileReadLimits);
    expect(scan.content).toEqual({ pdf: { pages: 1, textChars: 0 } });
    const text = await readFileContent(fixture("pdf/rongchang-summary.pdf"), officeTypes.pdf, defaultFileReadLimits);
    expect(text.content.pdf?.pages).toBe(3);
    expect(text.content.doc?.paragraphs.some((p) => p.text.includes("基本情况"))).toBe(true);
  });

  it("returns bad bytes as unreadable, never throws", async () => {
    const cut = fixture("office/truncated.xls");
    expect((await readFileContent(cut, officeTypes.ole, defaultFileReadLimits)).content.unreadable?.code).toBe("OLE_UNREADABLE");
    expect((await readFileContent(Buffer.from("not a pdf"), officeTypes.pdf, defaultFileReadLimits)).content.unreadable?.code).toBe("PDF_UNREADABLE");
    expect((await readFileContent(Buffer.from("PK\x03\x04junk"), officeTypes.xlsx, defaultFileReadLimits)).content.unreadable?.code).toBe("XLSX_UNREADABLE");
  });
});

describe("DocumentParser in a thread", () => {
  const unavailable: Error[] = [];
  const parser = new DocumentParser({ mode: "thread", timeoutMs: 30_000, onThreadUnavailable: (e) => unavailable.push(e) });
  afterAll(() => parser.close());

  it("reads in a worker thread exactly what it reads inline", async () => {
    const bytes = fixture("forms/district-stats.xlsx");
    const inThread = await parser.parse(bytes, officeTypes.xlsx, defaultFileReadLimits);
    expect(inThread).toEqual(await readFileContent(bytes, officeTypes.xlsx, defaultFileReadLimits));
    expect(bytes.length).toBeGreaterThan(0); // the caller's buffer is not detached by the transfer
    expect(unavailable).toEqual([]);
  });

  it("answers calls made at once, each with its own file", async () => {
    const [a, b] = await Promise.all([
      parser.parse(fixture("office/rongchang-stats.xls"), officeTypes.ole, defaultFileReadLimits),
      parser.parse(fixture("reports/附件1.docx"), officeTypes.docx, defaultFileReadLimits),
    ]);
    expect(a.mediaType).toBe(officeTypes.xls);
    expect(b.content.doc?.paragraphs.length).toBeGreaterThan(3);
  });

  it("gives up on a file that takes too long, and the next file gets a fresh thread", async () => {
    const impatient = new DocumentParser({ mode: "thread", timeoutMs: 1 });
    try {
      const slow = await impatient.parse(fixture("pdf/rongchang-summary.pdf"), officeTypes.pdf, defaultFileReadLimits);
      expect(slow.content.unreadable?.code).toBe("PARSE_TIMEOUT");
    } finally {
      await impatient.close();
    }
    const after = await parser.parse(fixture("forms/rongchang-info.xlsx"), officeTypes.xlsx, defaultFileReadLimits);
    expect(after.content.sheets).toHaveLength(1);
  });
});

describe("DocumentParser's pool of threads", () => {
  const crashing = new URL("./testing/crashing-parse-thread.mjs", import.meta.url);
  const crashType = "application/x-baosong-test-crash";

  it("fails only the file that kills its thread; files read beside it and after it are read", async () => {
    const pool = new DocumentParser({ mode: "thread", threads: 2, timeoutMs: 30_000, threadEntry: crashing });
    try {
      const files = [
        pool.parse(fixture("forms/district-stats.xlsx"), officeTypes.xlsx, defaultFileReadLimits),
        pool.parse(Buffer.from("boom"), crashType, defaultFileReadLimits),
        pool.parse(fixture("reports/附件1.docx"), officeTypes.docx, defaultFileReadLimits),
        pool.parse(fixture("forms/rongchang-info.xlsx"), officeTypes.xlsx, defaultFileReadLimits),
      ];
      const [stats, crashed, report, info] = await Promise.all(files);
      expect(crashed!.content.unreadable).toEqual({ code: "PARSE_CRASHED", detail: "parser thread exited with code 70" });
      expect(stats).toEqual(await readFileContent(fixture("forms/district-stats.xlsx"), officeTypes.xlsx, defaultFileReadLimits));
      expect(report!.content.doc?.paragraphs.length).toBeGreaterThan(3);
      expect(info!.content.sheets).toHaveLength(1);
      const after = await pool.parse(fixture("forms/rongchang-stats.xlsx"), officeTypes.xlsx, defaultFileReadLimits);
      expect(after.content.sheets).toHaveLength(1);
    } finally {
      await pool.close();
    }
  });

  it("reads as many files at once as it has threads, and starts no more", async () => {
    const pool = new DocumentParser({ mode: "thread", threads: 2, timeoutMs: 30_000 });
    const bytes = fixture("forms/district-stats.xlsx");
    try {
      const readings = await Promise.all(Array.from({ length: 6 }, () => pool.parse(bytes, officeTypes.xlsx, defaultFileReadLimits)));
      const inline = await readFileContent(bytes, officeTypes.xlsx, defaultFileReadLimits);
      for (const r of readings) expect(r).toEqual(inline);
      expect((pool as unknown as { running: number }).running).toBe(2);
    } finally {
      await pool.close();
    }
  });

  it("starts no thread until the first file comes, lets an idle thread go, and starts afresh after close", async () => {
    const pool = new DocumentParser({ mode: "thread", threads: 2, idleMs: 50 });
    const running = () => (pool as unknown as { running: number }).running;
    try {
      expect(running()).toBe(0);
      await pool.parse(fixture("forms/rongchang-info.xlsx"), officeTypes.xlsx, defaultFileReadLimits);
      expect(running()).toBe(1);
      await vi.waitFor(() => expect(running()).toBe(0), { timeout: 10_000 });
      const again = await pool.parse(fixture("forms/rongchang-info.xlsx"), officeTypes.xlsx, defaultFileReadLimits);
      expect(again.content.sheets).toHaveLength(1);
      await pool.close();
      expect(running()).toBe(0);
      const afterClose = await pool.parse(fixture("forms/rongchang-info.xlsx"), officeTypes.xlsx, defaultFileReadLimits);
      expect(afterClose.content.sheets).toHaveLength(1);
      expect(running()).toBe(1);
    } finally {
      await pool.close();
    }
  });
});
