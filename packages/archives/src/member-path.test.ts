import { describe, expect, it } from "vitest";
import { displayName, memberPath } from "./member-path.ts";

describe("memberPath", () => {
  it("joins the archive's path and the member's name", () => {
    expect(memberPath("材料.zip", "2022活动周/信息采集表.xlsx")).toBe("材料.zip/2022活动周/信息采集表.xlsx");
  });

  it("flattens names that try to climb out, start at the root or name a drive", () => {
    expect(displayName("../../etc/passwd")).toBe("etc/passwd");
    expect(displayName("/etc/shadow")).toBe("etc/shadow");
    expect(displayName("C:\\Windows\\evil.txt")).toBe("Windows/evil.txt");
    expect(displayName("\\\\server\\share\\a.txt")).toBe("server/share/a.txt");
    expect(displayName("./x/./../y.txt")).toBe("x/y.txt");
  });

  it("turns backslashes into slashes and drops control characters", () => {
    expect(displayName("a\\b\\c.txt")).toBe("a/b/c.txt");
    expect(displayName("报告\u0000\r\n.docx")).toBe("报告.docx");
  });

  it("names a member with nothing left of its name", () => {
    expect(displayName("../..")).toBe("(unnamed)");
  });
});
