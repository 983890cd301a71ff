import type { MediaFacts } from "@baosong/core";
import { MediaUnreadableError } from "../errors.ts";
import { findBox, isoBoxes } from "./iso-boxes.ts";
import { ascii, type Reader, type Span } from "./reader.ts";

export async function readMovie(r: Reader, format: string): Promise<MediaFacts> {
  // moov may sit after a multi-gigabyte mdat (the phone writes it last): seek past, never read.
  const moov = await findBox(r, 0, r.size, "moov");
  if (!moov) throw new MediaUnreadableError(`${format}: no moov box (a recording cut off before it was finished?)`);
  const facts: MediaFacts = { format };
  let timescale = 0;
  let duration: number | undefined;
  let sizedTrack: { width: number; height: number } | undefined;
  for await (const box of isoBoxes(r, moov.start, moov.end)) {
    if (box.type === "mvhd") {
      const mvhd = await r.bytes(box.start, Math.min(box.end - box.start, 32));
      const v1 = mvhd[0] === 1;
      if (mvhd.length < (v1 ? 32 : 20)) throw new MediaUnreadableError("mvhd too short");
      timescale = mvhd.readUInt32BE(v1 ? 20 : 12);
      duration ||= fullDuration(mvhd, v1 ? 24 : 16, v1);
    } else if (box.type === "mvex") {
      // A fragmented MP4 leaves mvhd's duration 0 and may give the whole in mehd.
      const mehd = await findBox(r, box.start, box.end, "mehd");
      const payload = mehd && (await r.bytes(mehd.start, Math.min(mehd.end - mehd.start, 12)));
      if (payload && payload.length >= (payload[0] === 1 ? 12 : 8)) duration ||= fullDuration(payload, 4, payload[0] === 1);
    } else if (box.type === "trak" && !facts.width) {
      const track = await readTrack(r, box);
      if (track?.video) Object.assign(facts, { width: track.width, height: track.height });
      else if (track && !sizedTrack && track.width > 0) sizedTrack = track;
    }
  }
  if (!facts.width && sizedTrack) Object.assign(facts, { width: sizedTrack.width, height: sizedTrack.height });
  if (timescale > 0 && duration) facts.durationSeconds = Math.round(duration / timescale);
  return facts;
}

/** A 32- or 64-bit duration; all ones means "unknown" (ISO/IEC 14496-12). */
function fullDuration(buf: Buffer, at: number, wide: boolean): number | undefined {
  const value = wide ? buf.readBigUInt64BE(at) : BigInt(buf.readUInt32BE(at));
  return value === (wide ? 0xffffffffffffffffn : 0xffffffffn) ? undefined : Number(value);
}

/** tkhd's width and height (16.16 fixed point) and whether mdia/hdlr calls the track video. */
async function readTrack(r: Reader, trak: Span): Promise<{ width: number; height: number; video: boolean } | undefined> {
  let size: { width: number; height: number } | undefined;
  let video = false;
  for await (const box of isoBoxes(r, trak.start, trak.end)) {
    if (box.type === "tkhd") {
      const tkhd = await r.bytes(box.start, Math.min(box.end - box.start, 96));
      const at = tkhd[0] === 1 ? 88 : 76;
      if (tkhd.length < at + 8) throw new MediaUnreadableError("tkhd too short");
      size = { width: Math.round(tkhd.readUInt32BE(at) / 65536), height: Math.round(tkhd.readUInt32BE(at + 4) / 65536) };
    } else if (box.type === "mdia") {
      const hdlr = await findBox(r, box.start, box.end, "hdlr");
      if (hdlr && hdlr.end - hdlr.start >= 12) video = ascii(await r.bytes(hdlr.start + 8, 4), 0, 4) === "vide";
    }
  }
  return size && { ...size, video };
}
