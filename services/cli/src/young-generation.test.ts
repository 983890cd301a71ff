import { getHeapSpaceStatistics } from "node:v8";
import { describe, expect, it } from "vitest";
import { holdYoungGeneration, withYoungGenerationHeld } from "./young-generation.ts";

/** Unheld, `churn` grows the new space to V8's ceiling (128 MB on this 24 GiB machine); held, V8 still adjusts it a little. */
const HELD_BELOW = 32 * 1024 * 1024;
const newSpaceSize = () => getHeapSpaceStatistics().find((s) => s.space_name === "new_space")?.space_size ?? 0;

/** Young objects that survive scavenges (kept in batches), the pattern that grows the new space. */
function churn(): number {
  let kept: { i: number; s: string }[] = [];
  let total = 0;
  for (let i = 0; i < 2_000_000; i++) {
    kept.push({ i, s: `row ${i}` });
    if (kept.length > 100_000) {
      total += kept.length;
      kept = [];
    }
  }
  return total + kept.length;
}

describe("withYoungGenerationHeld", () => {
  it("keeps the new space at its size while the work allocates, and hands back the work's result", async () => {
    const before = newSpaceSize();
    const result = await withYoungGenerationHeld(async () => {
      const n = churn();
      expect(newSpaceSize()).toBeLessThan(Math.max(before, HELD_BELOW));
      return n;
    });
    expect(result).toBe(2_000_000);
  });

  it("passes the work's failure on", async () => {
    await expect(withYoungGenerationHeld(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
  });

  it("holds from holdYoungGeneration until released, as `start` does around its start-up", () => {
    const before = newSpaceSize();
    const release = holdYoungGeneration();
    churn();
    expect(newSpaceSize()).toBeLessThan(Math.max(before, HELD_BELOW));
    release();
    release(); // a second release changes nothing
  });
});
