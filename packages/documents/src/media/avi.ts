import type { MediaFacts } from "@baosong/core";
import { MediaUnreadableError } from "../errors.ts";
import { ascii, type Reader } from "./reader.ts";
import { riffChunks } from "./riff.ts";

/** RIFF AVI: frame size and duration from avih (dmlh for OpenDML), in the hdrl list. */
export async function readAvi(r: Reader): Promise<MediaFacts> {
  const facts: MediaFacts = { format: "avi" };
  // Only the header list: the movi list after it holds the frames.
  for await (const chunk of riffChunks(r, 12, r.size)) {
    if (chunk.type !== "LIST") continue;
    const listType = ascii(await r.bytes(chunk.start, 4), 0, 4);
    if (listType !== "hdrl") continue;
    let totalFrames: number | undefined;
    let microsPerFrame = 0;
    for await (const sub of riffChunks(r, chunk.start + 4, chunk.end)) {
      if (sub.type === "avih" && sub.end - sub.start >= 40) {
        const avih = await r.bytes(sub.start, 40);
        microsPerFrame = avih.readUInt32LE(0);
        totalFrames ??= avih.readUInt32LE(16);
        facts.width = avih.readUInt32LE(32);
        facts.height = avih.readUInt32LE(36);
      } else if (sub.type === "LIST" && ascii(await r.bytes(sub.start, 4), 0, 4) === "odml") {
        // OpenDML (AVI over 1 GB): avih counts only the first RIFF's frames, dmlh counts them all.
        for await (const d of riffChunks(r, sub.start + 4, sub.end)) {
          if (d.type === "dmlh" && d.end - d.start >= 4) totalFrames = (await r.bytes(d.start, 4)).readUInt32LE(0);
        }
      }
    }
    if (microsPerFrame > 0 && totalFrames) facts.durationSeconds = Math.round((microsPerFrame * totalFrames) / 1e6);
    return facts;
  }
  throw new MediaUnreadableError("AVI: no hdrl header list");
}
