import { describe, expect, it } from "vitest";
import { parseSevenZipListing } from "./seven-zip-listing.ts";

// What `7zz l -slt` (7-Zip 26.03) prints for a 7z with a folder, an empty file and an
// encrypted member added later.
const LISTING = `
7-Zip (z) 26.03 (x64) : Copyright (c) 1999-2026 Igor Pavlov : 2026-09-03
 64-bit locale=C.UTF-8 Threads:2 OPEN_MAX:20000, ASM

Scanning the drive for archives:
1 file, 3316 bytes (4 KiB)

Listing archive: archive-1

--
Path = archive-1
Type = 7z
Physical Size = 3316
Headers Size = 273
Method = LZMA2:12 7zAES
Solid = +
Blocks = 3

----------
Path = 子目录
Size = 0
Packed Size = 0
Modified = 2026-11-23 07:59:49.4302867
Attributes = D drwxr-xr-x
CRC = 
Encrypted = -
Method = 
Block = 

Path = empty.txt
Size = 0
Packed Size = 0
Attributes = A -rw-r--r--
CRC = 
Encrypted = -

Path = 子目录/报告.txt
Size = 7
Packed Size = 
Attributes = A -rw-r--r--
CRC = 05CF2311
Encrypted = -
Method = LZMA2:12
Block = 0

Path = s.txt
Size = 7
Packed Size = 16
Attributes = A -rw-r--r--
CRC = E2EBB28C
Encrypted = +
Method = LZMA2:12 7zAES:19
Block = 2

`;

describe("parseSevenZipListing", () => {
  it("reads every item's path, size, CRC-32 and flags", () => {
    const listing = parseSevenZipListing(LISTING);
    expect(listing.type).toBe("7z");
    expect(listing.errors).toEqual([]);
    expect(listing.items).toEqual([
      { path: "子目录", size: 0, crc32: null, isDirectory: true, encrypted: false },
      { path: "empty.txt", size: 0, crc32: null, isDirectory: false, encrypted: false },
      { path: "子目录/报告.txt", size: 7, crc32: 0x05cf2311, isDirectory: false, encrypted: false },
      { path: "s.txt", size: 7, crc32: 0xe2ebb28c, isDirectory: false, encrypted: true },
    ]);
  });

  it("reads RAR folders, which 7-Zip marks with Folder = +", () => {
    const listing = parseSevenZipListing("--\nType = Rar5\n\n----------\nPath = 学校材料\nFolder = +\nSize = 0\n\n");
    expect(listing.type).toBe("Rar5");
    expect(listing.items).toEqual([{ path: "学校材料", size: 0, crc32: null, isDirectory: true, encrypted: false }]);
  });

  it("opens nothing and keeps the error lines when 7-Zip could not open the archive", () => {
    const listing = parseSevenZipListing(
      "Listing archive: archive-1\n\nERROR: archive-1 : archive-1\nOpen ERROR: Cannot open the file as [7z] archive\n\n\nERRORS:\nUnexpected end of archive\n",
    );
    expect(listing.type).toBeNull();
    expect(listing.items).toEqual([]);
    expect(listing.errors).toContain("Open ERROR: Cannot open the file as [7z] archive");
    expect(listing.errors).toContain("Unexpected end of archive");
  });
});
