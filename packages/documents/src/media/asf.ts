import type { MediaFacts } from "@baosong/core";
import { MediaUnreadableError } from "../errors.ts";
import type { Reader } from "./reader.ts";

// ASF is the container of WMV: a header object holding GUID-tagged objects.

/** ASF GUIDs as stored: the first three fields little-endian. */
const guid = (text: string): Buffer => {
  const hex = text.replace(/-/gu, "");
  const b = Buffer.from(hex, "hex");
  return Buffer.concat([
    Buffer.from(b.subarray(0, 4)).reverse(),
    Buffer.from(b.subarray(4, 6)).reverse(),
    Buffer.from(b.subarray(6, 8)).reverse(),
    b.subarray(8),
  ]);
};
export const ASF_HEADER = guid("75B22630-668E-11CF-A6D9-00AA0062CE6C");
const ASF_FILE_PROPERTIES = guid("8CABDCA1-A947-11CF-8EE4-00C00C205365");
const ASF_STREAM_PROPERTIES = guid("B7DC0791-A9B7-11CF-8EE6-00C00C205365");
const ASF_VIDEO_MEDIA = guid("BC19EFC0-5B4D-11CF-A8FD-00805F5C442B");

export async function readAsf(r: Reader): Promise<MediaFacts> {
  const header = await r.bytes(0, 30);
  const headerEnd = Number(header.readBigUInt64LE(16));
  if (headerEnd > r.size || headerEnd < 30) throw new MediaUnreadableError("ASF: header object runs past the end");
  const facts: MediaFacts = { format: "wmv" };
  let sawFileProperties = false;
  for (let offset = 30; offset + 24 <= headerEnd; ) {
    const object = await r.bytes(offset, 24);
    const size = Number(object.readBigUInt64LE(16));
    if (size < 24 || offset + size > headerEnd) throw new MediaUnreadableError("ASF: header object of impossible size");
    const id = object.subarray(0, 16);
    if (id.equals(ASF_FILE_PROPERTIES) && size >= 104) {
      const p = await r.bytes(offset + 24, 80);
      // Play duration in 100-ns units includes the preroll, which is in milliseconds.
      const seconds = Number(p.readBigUInt64LE(40)) / 1e7 - Number(p.readBigUInt64LE(56)) / 1e3;
      if (seconds > 0) facts.durationSeconds = Math.round(seconds);
      sawFileProperties = true;
    } else if (id.equals(ASF_STREAM_PROPERTIES) && size >= 24 + 54 + 8 && facts.width === undefined) {
      const s = await r.bytes(offset + 24, 54 + 8);
      if (s.subarray(0, 16).equals(ASF_VIDEO_MEDIA)) {
        facts.width = s.readUInt32LE(54);
        facts.height = s.readUInt32LE(58);
      }
    }
    offset += size;
  }
  if (!sawFileProperties) throw new MediaUnreadableError("ASF: no file properties object");
  return facts;
}
