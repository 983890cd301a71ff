import { describe, expect, it } from "vitest";
import { zipEntries } from "./zip-entries.ts";

const doc = (school: string | null, kind: string, filename: string, sha256: string) => ({ school, kind, filename, sha256 });

describe("zipEntries", () => {
  it("puts each file in a folder by school and kind, named as it was mailed", () => {
    const entries = zipEntries([doc("荣昌职教中心", "stats_form", "归档.zip/统计表.xlsx", "a"), doc(null, "other", "x.bin", "b")], true);
    expect(entries.map((e) => e.path)).toEqual(["荣昌职教中心/情况统计表/统计表.xlsx", "未识别学校/其他文件/x.bin"]);
  });

  it("zips the same bytes once and numbers two different files of one name", () => {
    const entries = zipEntries(
      [
        doc("A", "media_photo", "IMG_1.JPG", "a"),
        doc("A", "media_photo", "IMG_1.JPG", "a"),
        doc("A", "media_photo", "IMG_1.JPG", "b"),
        doc("A", "media_photo", "IMG_1.JPG", "c"),
      ],
      false,
    );
    expect(entries.map((e) => [e.path, e.sha256])).toEqual([
      ["活动照片/IMG_1.JPG", "a"],
      ["活动照片/IMG_1 (2).JPG", "b"],
      ["活动照片/IMG_1 (3).JPG", "c"],
    ]);
  });
});
