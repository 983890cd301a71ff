import { describe, expect, it } from "vitest";
import { parseHeldOn } from "./held-on.ts";

describe("parseHeldOn", () => {
  it("reads one day written the ways clerks write it, in the campaign's year", () => {
    for (const text of ["5月16日", "5/16", "5.16上午", "5月16日下午", "5月16号", "5-16", "５月１６日", "5月16日（周一）", "5月16日 9:00-11:30"]) {
      expect(parseHeldOn(text, 2022), text).toBe("2022-05-16");
    }
  });

  it("keeps a year the clerk wrote, and reads dates from Excel as they arrive", () => {
    expect(parseHeldOn("2023年5月18日", 2022)).toBe("2023-05-18");
    expect(parseHeldOn("2022-05-18", 2022)).toBe("2022-05-18");
    expect(parseHeldOn("2022.5.18", 2022)).toBe("2022-05-18");
  });

  it("gives no date for a range, a part of a month or a day that does not exist", () => {
    for (const text of ["5月16日-18日", "5月中旬", "活动月期间", "5月32日", "2/30", "5月16日、17日", ""]) {
      expect(parseHeldOn(text, 2022), text).toBeNull();
    }
  });
});
