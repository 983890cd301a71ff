import { describe, expect, it } from "vitest";
import { ingestFailureVerdict } from "./ingest-failure.ts";

const maxLen = (message: string) => Object.assign(new Error(message), { code: "EMAXLEN" });

describe("retry or give up on a mail that could not be read", () => {
  it("gives up on a mail with more MIME nodes than the parser allows, with a finding that says how to resend", () => {
    const v = ingestFailureVerdict(maxLen("Max allowed child nodes exceeded"));
    expect(v).toMatchObject({ retry: false, reason: "mime_too_many_parts", finding: { severity: "error", code: "mime_too_many_parts" } });
    expect(v.retry === false && v.finding.message).toContain("分几封邮件");
  });

  it("gives up on a header over the parser's 1 MB", () => {
    expect(ingestFailureVerdict(maxLen("Max header size for a MIME node exceeded"))).toMatchObject({ retry: false, reason: "mime_header_too_large" });
  });

  it("gives up on any other length limit of the parser", () => {
    expect(ingestFailureVerdict(maxLen("something else"))).toMatchObject({ retry: false, reason: "mime_too_large" });
  });

  it.each([
    ["a lost database connection", Object.assign(new Error("Connection terminated unexpectedly"), { code: undefined })],
    ["a full disk", Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" })],
    ["a Redis that went away", new Error("Connection is closed.")],
    ["something that is not an Error", "boom"],
    ["nothing at all", undefined],
  ])("retries %s", (_what, err) => {
    expect(ingestFailureVerdict(err)).toEqual({ retry: true });
  });
});
