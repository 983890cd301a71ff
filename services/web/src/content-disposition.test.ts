import { describe, expect, it } from "vitest";
import { attachmentDisposition, fileSegment } from "./content-disposition.ts";

describe("attachmentDisposition", () => {
  it("gives a Chinese name as RFC 5987 UTF-8 beside an ASCII fallback (RFC 6266)", () => {
    expect(attachmentDisposition("2022年信息采集表.xlsx")).toBe(
      `attachment; filename="2022______.xlsx"; filename*=UTF-8''2022%E5%B9%B4%E4%BF%A1%E6%81%AF%E9%87%87%E9%9B%86%E8%A1%A8.xlsx`,
    );
  });

  it("escapes quotes, apostrophes and parentheses that would end or confuse the parameter", () => {
    expect(attachmentDisposition(`a"b'(1).pdf`)).toBe(`attachment; filename="a_b'(1).pdf"; filename*=UTF-8''a%22b%27%281%29.pdf`);
  });
});

describe("fileSegment", () => {
  it("keeps only the last segment of an archive member's path", () => {
    expect(fileSegment("材料.zip/第一天/启动仪式.docx")).toBe("启动仪式.docx");
  });

  it("never yields a path that climbs or a control character", () => {
    expect(fileSegment("../../etc/passwd")).toBe("passwd");
    expect(fileSegment("..")).toBe("未命名文件");
    expect(fileSegment("a\u0000b:c.txt")).toBe("a_b_c.txt");
    expect(fileSegment("")).toBe("未命名文件");
  });
});
