import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { archiveFormatOf } from "./archive-format.ts";

const fixture = (name: string): Buffer => readFileSync(new URL(`../../../test/fixtures/archives/${name}`, import.meta.url)).subarray(0, 4100);

describe("archiveFormatOf", () => {
  it("recognises zip, 7z, RAR 4 and RAR 5 by their first bytes", () => {
    expect(archiveFormatOf(fixture("windows-gbk.zip"), "application/zip")).toBe("zip");
    expect(archiveFormatOf(fixture("activity-week.7z"), "application/x-7z-compressed")).toBe("7z");
    expect(archiveFormatOf(fixture("legacy-rar4.rar"), "application/x-rar-compressed")).toBe("rar");
    expect(archiveFormatOf(fixture("materials.rar"), "application/x-rar-compressed")).toBe("rar");
  });

  it("recognises an archive whose media type is unknown", () => {
    expect(archiveFormatOf(fixture("utf8-flagged.zip"), "")).toBe("zip");
    expect(archiveFormatOf(fixture("materials.rar"), "")).toBe("rar");
  });

  it("leaves an xlsx, docx or odt alone even when it is only known as a zip", () => {
    for (const first of ["[Content_Types].xml", "_rels/.rels", "docProps/app.xml", "mimetype"]) {
      expect(archiveFormatOf(zipHeadNaming(first), ""), first).toBeNull();
      expect(archiveFormatOf(zipHeadNaming(first), "application/zip"), first).toBeNull();
    }
    expect(archiveFormatOf(zipHeadNaming("2022活动周/信息采集表.xlsx"), "")).toBe("zip");
  });

  it("leaves zip-based documents alone when detection named their type", () => {
    const zip = fixture("utf8-flagged.zip");
    expect(archiveFormatOf(zip, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")).toBeNull();
    expect(archiveFormatOf(zip, "application/epub+zip")).toBeNull();
    expect(archiveFormatOf(zip, "application/java-archive")).toBeNull();
  });

  it("says null for anything else", () => {
    expect(archiveFormatOf(Buffer.from("%PDF-1.7\n"), "application/pdf")).toBeNull();
    expect(archiveFormatOf(Buffer.alloc(0), "")).toBeNull();
    expect(archiveFormatOf(Buffer.from("Rar!"), "application/x-rar-compressed")).toBeNull();
  });
});

/** The first local file header of a zip whose first entry has this name. */
function zipHeadNaming(name: string): Buffer {
  const raw = Buffer.from(name, "utf8");
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(raw.length, 26);
  return Buffer.concat([header, raw]);
}
