import { describe, expect, it } from "vitest";
import { fromAddressInHead, headerBlockEnds } from "./sender-address.ts";

const raw = (head: string, body = "正文") => Buffer.from(`${head}\r\n\r\n${body}`, "utf8");

describe("the sender read from the raw header block", () => {
  it("takes the first From address, folded or not, lower-cased", () => {
    expect(fromAddressInHead(raw("Subject: x\r\nFrom: =?UTF-8?B?6I2j5piM?=\r\n <RCZJ@Example.cn>, other@example.cn"))).toBe("rczj@example.cn");
  });

  it("reads no From out of the body, and none when the header block has no From", () => {
    expect(fromAddressInHead(raw("Subject: x", "From: body@example.cn"))).toBeNull();
  });

  it("knows whether the first bytes hold the end of the header block", () => {
    expect(headerBlockEnds(raw("From: a@example.cn"))).toBe(true);
    expect(headerBlockEnds(Buffer.from("From: a@example.cn\nSubject: x\n\nbody"))).toBe(true);
    expect(headerBlockEnds(Buffer.from("From: a@example.cn\r\nX-Long: xxxx"))).toBe(false);
  });
});
