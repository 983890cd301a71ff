import { describe, expect, it } from "vitest";
import { countChars, readCount, readPercent } from "./values.ts";

describe("form values", () => {
  it("reads counts with units, separators and full-width digits", () => {
    expect(["120人", "3个", "15篇", "2,100", "１２０", 120, 119.99999999999, "无", " 8 家 "].map((v) => readCount(v))).toEqual(
      [120, 3, 15, 2100, 120, 120, 120, 0, 8].map((value) => ({ status: "ok", value })),
    );
  });

  it("refuses approximations, fractions and negatives", () => {
    expect(readCount("约120")).toEqual({ status: "not_number", text: "约120" });
    expect(readCount("12.5")).toEqual({ status: "not_integer", text: "12.5" });
    expect(readCount(-3)).toEqual({ status: "negative", text: "-3" });
    expect(readCount("/")).toEqual({ status: "empty" });
  });

  it("reads percentages as 0–100", () => {
    expect(["85%", 0.85, "0.85", 85, "85.5%", "０.８５", 0].map((v) => readPercent(v))).toEqual(
      [85, 85, 85, 85, 85.5, 85, 0].map((value) => ({ status: "ok", value })),
    );
    expect(readPercent("120%")).toEqual({ status: "out_of_range", text: "120%" });
    expect(readPercent("大部分")).toEqual({ status: "not_number", text: "大部分" });
  });

  it("counts characters as a clerk counts 字数", () => {
    expect(countChars("技能 让生活\n更美好😀")).toBe(9);
  });
});
