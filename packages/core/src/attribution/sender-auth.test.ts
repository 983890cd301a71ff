import { describe, expect, it } from "vitest";
import { parseAuthenticationResults, senderAuth } from "./sender-auth.ts";

const qq = ["mx.qq.com"];
const real = "Authentication-Results: mx.qq.com; spf=pass smtp.mailfrom=rczj@example.cn; dkim=none; dmarc=fail (p=reject) header.from=example.cn";

describe("sender authentication", () => {
  it("reads the receiving server's DMARC verdict by its authserv-id", () =>
    expect(senderAuth([real], qq, null)).toMatchObject({
      verdict: "fail",
      receiver: { authservId: "mx.qq.com", spf: "pass", dmarc: "fail" },
      ignoredHeaders: 0,
    }));

  it("ignores a dmarc=pass the sender wrote under another authserv-id", () =>
    expect(senderAuth(["Authentication-Results: mail.evil.example; dmarc=pass header.from=example.cn"], qq, null)).toMatchObject({
      verdict: "none",
      receiver: null,
      ignoredHeaders: 1,
    }));

  it("trusts only the topmost header with the provider's id: a forged copy below it is ignored", () =>
    expect(senderAuth([real, "Authentication-Results: mx.qq.com; dmarc=pass"], qq, null)).toMatchObject({ verdict: "fail", ignoredHeaders: 1 }));

  it("ignores Outlook's header that carries no authserv-id", () =>
    expect(parseAuthenticationResults("Authentication-Results: spf=pass smtp.mailfrom=outlook.com; dmarc=pass")).toBeNull());

  it("does not read a result hidden in a comment", () =>
    expect(parseAuthenticationResults("Authentication-Results: mx.qq.com; spf=none (dmarc=pass) smtp.mailfrom=x; dmarc=none")).toMatchObject({
      dmarc: "none",
    }));

  it("reads a version number and folded lines", () =>
    expect(parseAuthenticationResults("Authentication-Results: mx.qq.com 1;\r\n\tdkim=pass header.d=qq.com;\r\n dmarc=pass")).toMatchObject({
      authservId: "mx.qq.com",
      dkim: "pass",
      dmarc: "pass",
    }));

  it("passes a mail whose aligned DKIM signature we verified, even when the server's DMARC failed", () =>
    expect(senderAuth([real], qq, { dkim: [{ domain: "example.cn", result: "pass", aligned: true }], dmarc: "pass" }).verdict).toBe("pass"));

  it("takes our own DMARC failure only when the receiving server wrote nothing", () => {
    const own = { dkim: [{ domain: "evil.example", result: "pass", aligned: false }], dmarc: "fail" };
    expect(senderAuth([], qq, own).verdict).toBe("fail");
    expect(senderAuth(["Authentication-Results: mx.qq.com; dmarc=none"], qq, own).verdict).toBe("none");
  });
});
