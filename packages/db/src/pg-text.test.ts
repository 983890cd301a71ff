import { describe, expect, it } from "vitest";
import { withoutNul } from "./pg-text.ts";

describe("text bound for Postgres", () => {
  it("replaces NUL in strings, arrays and plain objects, keys included, and leaves dates alone", () => {
    const at = new Date(0);
    expect(withoutNul({ subject: "a\u0000b", names: ["x\u0000"], headers: { "k\u0000": "v" }, at, n: 1, none: null })).toEqual({
      subject: "a\uFFFDb",
      names: ["x\uFFFD"],
      headers: { "k\uFFFD": "v" },
      at,
      n: 1,
      none: null,
    });
  });

  it("gives back the very value when it holds no NUL, so clean rows are not copied", () => {
    const row = { subject: "情况统计表", names: ["a"], headers: new Map([["k", "v"]]), at: new Date(0) };
    expect(withoutNul(row)).toBe(row);
    const docs = [{ filename: "a.xlsx" }, { filename: "b\u0000.docx" }];
    expect(withoutNul(docs)).toEqual([{ filename: "a.xlsx" }, { filename: "b\uFFFD.docx" }]);
    expect(docs[1]!.filename).toBe("b\u0000.docx");
  });
});
