import { describe, expect, it } from "vitest";
import { reconnectDelayMs } from "./imap-backoff.ts";

describe("reconnect backoff", () => {
  it("waits one second before the first reconnect, whatever the jitter", () => {
    expect(reconnectDelayMs(0, 0)).toBe(1_000);
    expect(reconnectDelayMs(0, 0.999)).toBe(1_000);
  });

  it("doubles the ceiling with each failed attempt and jitters within its upper half", () => {
    expect(reconnectDelayMs(1, 0)).toBe(1_000);
    expect(reconnectDelayMs(1, 0.999)).toBe(1_999);
    expect(reconnectDelayMs(3, 0)).toBe(4_000);
    expect(reconnectDelayMs(3, 0.5)).toBe(6_000);
    expect(reconnectDelayMs(5, 0.999)).toBe(31_984);
  });

  it("never waits longer than five minutes, even after very many attempts", () => {
    expect(reconnectDelayMs(8, 0.999)).toBe(255_872);
    expect(reconnectDelayMs(9, 0)).toBe(150_000);
    expect(reconnectDelayMs(9, 0.999)).toBe(299_850);
    expect(reconnectDelayMs(1_000, 0.999)).toBe(299_850);
    expect(reconnectDelayMs(1_000, 1)).toBe(300_000);
  });

  it("follows other bounds when given", () => {
    expect(reconnectDelayMs(0, 0.5, { baseMs: 50, maxMs: 200 })).toBe(50);
    expect(reconnectDelayMs(4, 0.5, { baseMs: 50, maxMs: 200 })).toBe(150);
  });
});
