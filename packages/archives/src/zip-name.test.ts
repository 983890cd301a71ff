import { crc32 } from "node:zlib";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { decodeZipName } from "./zip-name.ts";

const UTF8_FLAG = 0x800;

function unicodePath(nameBytes: Buffer, utf8: string): { id: number; data: Buffer } {
  const crc = Buffer.alloc(4);
  crc.writeUInt32LE(crc32(nameBytes) >>> 0);
  return { id: 0x7075, data: Buffer.concat([Buffer.from([1]), crc, Buffer.from(utf8, "utf8")]) };
}

describe("decodeZipName", () => {
  it("decodes GBK bytes without the UTF-8 flag, as Windows Explorer writes them", () => {
    const raw = iconv.encode("2022活动周/新建 Microsoft Excel 工作表.xlsx", "gbk");
    expect(decodeZipName(raw, 0, [])).toBe("2022活动周/新建 Microsoft Excel 工作表.xlsx");
  });

  it("decodes characters outside GBK's two-byte range through GB18030", () => {
    const raw = iconv.encode("𠀀附件€.docx", "gb18030");
    expect(decodeZipName(raw, 0, [])).toBe("𠀀附件€.docx");
  });

  it("decodes UTF-8 without the flag, as macOS writes it", () => {
    expect(decodeZipName(Buffer.from("职业教育法宣传活动总结.docx"), 0, [])).toBe("职业教育法宣传活动总结.docx");
  });

  it("trusts the UTF-8 flag", () => {
    expect(decodeZipName(Buffer.from("荣昌职教中心/照片.jpg"), UTF8_FLAG, [])).toBe("荣昌职教中心/照片.jpg");
  });

  it("prefers the Info-ZIP Unicode Path field when its CRC matches the name", () => {
    const raw = iconv.encode("特色亮点.txt", "gbk");
    expect(decodeZipName(raw, 0, [unicodePath(raw, "特色亮点（新）.txt")])).toBe("特色亮点（新）.txt");
  });

  it("ignores a Unicode Path field whose CRC belongs to another name", () => {
    const raw = Buffer.from("old-name.txt");
    expect(decodeZipName(raw, 0, [unicodePath(Buffer.from("renamed.txt"), "不应采用.txt")])).toBe("old-name.txt");
  });
});
