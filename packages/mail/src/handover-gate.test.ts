import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { gateMessage } from "./handover-gate.ts";

async function collect(stream: Readable): Promise<{ out: string; err: Error | null }> {
  let out = "";
  try {
    for await (const chunk of stream) out += String(chunk);
    return { out, err: null };
  } catch (err) {
    return { out, err: err as Error };
  }
}

describe("the handover gate", () => {
  it("lets the last bytes through only after the handover is recorded", async () => {
    let written = "";
    let writtenWhenRecorded: string | null = null;
    const gated = gateMessage(Readable.from([Buffer.from("a"), Buffer.from("b"), Buffer.from("c")]), async () => {
      writtenWhenRecorded = written;
    });
    await pipeline(gated, new Writable({ write: (chunk, _e, done) => ((written += String(chunk)), done()) }));
    expect(written).toBe("abc");
    expect(writtenWhenRecorded).not.toBeNull();
    expect(writtenWhenRecorded).not.toContain("c");
  });

  it("never lets the last bytes out when the handover cannot be recorded", async () => {
    const gated = gateMessage(Readable.from([Buffer.from("a"), Buffer.from("b"), Buffer.from("end")]), () => Promise.reject(new Error("database away")));
    const { out, err } = await collect(gated);
    expect(err?.message).toBe("database away");
    expect(out).not.toContain("end");
  });
});
