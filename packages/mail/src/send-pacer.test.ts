import { describe, expect, it } from "vitest";
import { MAX_CONNECTIONS_PER_ACCOUNT, paceIntervalMs, parallelSendsFor } from "./send-pacer.ts";

describe("send pacing", () => {
  it("spaces sends 60 000 / per_minute ms apart", () => {
    expect(paceIntervalMs(20)).toBe(3_000);
    expect(paceIntervalMs(600)).toBe(100);
    expect(paceIntervalMs(6000)).toBe(10);
  });

  it("keeps a slowly paced account (QQ at 20 a minute) to one send at a time", () => {
    expect(parallelSendsFor(20)).toBe(1);
    expect(parallelSendsFor(240)).toBe(1);
  });

  it("overlaps sends only when the interval is shorter than a send, up to the per-account bound", () => {
    expect(parallelSendsFor(600)).toBe(3);
    expect(parallelSendsFor(6000)).toBe(MAX_CONNECTIONS_PER_ACCOUNT);
  });
});
