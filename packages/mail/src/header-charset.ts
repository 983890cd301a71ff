import { Transform, type TransformCallback } from "node:stream";
import iconv from "iconv-lite";

/**
 * SPEC §9: some Chinese mail clients put raw GBK bytes in headers (Subject, file names)
 * instead of RFC 2047/2231 encoding them; mailparser then reads them as UTF-8 or Latin-1
 * and the clerk sees mojibake. This stream finds the header sections of the message and of
 * every MIME part, and re-encodes header lines that are not valid UTF-8 from GB18030 (a
 * superset of GBK and GB2312) to UTF-8. Bodies pass through untouched.
 */
const MAX_LINE = 1024 * 1024;

export class HeaderCharsetFix extends Transform {
  private pending = Buffer.alloc(0);
  private inHeader = true;
  private readonly boundaries = new Set<string>();
  /** The current header field so far, unfolded, to spot `boundary=` in Content-Type. */
  private field = "";
  /** In a body, the stream stopped inside a line last time (a long line without a newline). */
  private midLine = false;
  fixedLines = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let start = 0;
    while (start < data.length) {
      if (this.inHeader || (!this.midLine && data[start] === 0x2d) /* - */) {
        // A header line, or a body line that may be a boundary: needs the whole line.
        const nl = data.indexOf(10, start);
        if (nl === -1) {
          // A "line" of megabytes is no header: stop buffering it (bounded memory, SPEC §8).
          if (data.length - start <= MAX_LINE) break;
          this.push(data.subarray(start));
          this.inHeader = false;
          this.midLine = true;
          start = data.length;
          continue;
        }
        this.push(this.line(data.subarray(start, nl + 1)));
        start = nl + 1;
        continue;
      }
      // Body: pass everything up to the next line that starts with "--" in one piece.
      const next = data.indexOf("\n--", start);
      if (next !== -1) {
        this.push(data.subarray(start, next + 1));
        this.midLine = false;
        start = next + 1;
        continue;
      }
      const lastNl = data.lastIndexOf(10);
      const end = lastNl >= start ? lastNl + 1 : data.length;
      this.push(data.subarray(start, end));
      this.midLine = end !== lastNl + 1;
      start = end;
    }
    this.pending = Buffer.from(data.subarray(start));
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.pending.length) this.push(this.line(this.pending));
    done();
  }

  private line(raw: Buffer): Buffer {
    const text = raw.toString("latin1").replace(/\r?\n$/, "");
    if (this.inHeader) {
      if (text === "") {
        this.noteField();
        this.inHeader = false;
        return raw;
      }
      if (/^[ \t]/.test(text)) this.field += text;
      else {
        this.noteField();
        this.field = text;
      }
      return this.transcode(raw);
    }
    if (text.startsWith("--") && this.boundaries.size) {
      const b = text
        .slice(2)
        .replace(/--\s*$/, "")
        .trimEnd();
      if (this.boundaries.has(b) && !text.trimEnd().endsWith(`${b}--`)) this.inHeader = true;
    }
    return raw;
  }

  private noteField(): void {
    if (!/^content-type:/i.test(this.field)) return;
    const m = /boundary\s*=\s*(?:"([^"]+)"|([^\s;]+))/i.exec(this.field);
    const b = m?.[1] ?? m?.[2];
    if (b) this.boundaries.add(b);
  }

  private transcode(raw: Buffer): Buffer {
    if (!raw.some((b) => b >= 0x80) || isUtf8(raw)) return raw;
    this.fixedLines++;
    return Buffer.from(iconv.decode(raw, "gb18030"), "utf8");
  }
}

function isUtf8(buf: Buffer): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(buf);
    return true;
  } catch {
    return false;
  }
}
