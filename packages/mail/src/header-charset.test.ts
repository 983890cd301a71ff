import { Readable } from "node:stream";
import iconv from "iconv-lite";
import { simpleParser } from "mailparser";
import { describe, expect, it } from "vitest";
import { HeaderCharsetFix } from "./header-charset.ts";

const gbk = (s: string) => iconv.encode(s, "gbk");

/** A mail as an old Foxmail/Outlook on Chinese Windows writes it: raw GBK in headers and in a GBK body. */
function rawGbkMail(): Buffer {
  return Buffer.concat([
    Buffer.from("From: a@b.cn\r\nSubject: "),
    gbk("荣昌职教中心 信息采集表"),
    Buffer.from('\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed;\r\n boundary="----=_NextPart_000"\r\n\r\n'),
    Buffer.from("------=_NextPart_000\r\nContent-Type: text/plain; charset=gbk\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"),
    gbk("老师好：附件为信息采集表。\r\nNote: "),
    gbk("正文里的冒号行不是信头"),
    Buffer.from('\r\n------=_NextPart_000\r\nContent-Type: application/octet-stream; name="'),
    gbk("信息采集表.xlsx"),
    Buffer.from('"\r\nContent-Disposition: attachment; filename="'),
    gbk("信息采集表.xlsx"),
    Buffer.from('"\r\nContent-Transfer-Encoding: base64\r\n\r\nYWJj\r\n------=_NextPart_000--\r\n'),
  ]);
}

async function parse(raw: Buffer, chunkSize: number) {
  const chunks: Buffer[] = [];
  for (let i = 0; i < raw.length; i += chunkSize) chunks.push(raw.subarray(i, i + chunkSize));
  const fixed = Readable.from(chunks).pipe(new HeaderCharsetFix());
  return simpleParser(fixed);
}

describe("HeaderCharsetFix", () => {
  it.each([1, 7, 4096])("decodes raw GBK subjects and file names, whatever the chunk size (%i)", async (size) => {
    const m = await parse(rawGbkMail(), size);
    expect(m.subject).toBe("荣昌职教中心 信息采集表");
    expect(m.attachments.map((a) => a.filename)).toEqual(["信息采集表.xlsx"]);
    expect(m.attachments[0]!.content.toString()).toBe("abc");
  });

  it("leaves a GBK body alone, even a line that looks like a header", async () => {
    const m = await parse(rawGbkMail(), 4096);
    expect(m.text).toContain("老师好：附件为信息采集表。");
    expect(m.text).toContain("Note: 正文里的冒号行不是信头");
  });

  it("passes UTF-8 and encoded-word headers through unchanged", async () => {
    const raw = Buffer.from("Subject: =?UTF-8?B?5rWL6K+V?=\r\nX-Note: 已是UTF-8\r\n\r\nbody\r\n");
    const out: Buffer[] = [];
    const fix = new HeaderCharsetFix();
    fix.on("data", (d: Buffer) => out.push(d));
    await new Promise((r) => fix.on("end", r).end(raw));
    expect(Buffer.concat(out).equals(raw)).toBe(true);
    expect(fix.fixedLines).toBe(0);
  });
});
