import { describe, expect, it } from "vitest";
import { replyAddressFor } from "./reply-address.ts";

const roster = [
  { id: 1, name: "重庆市荣昌区职业教育中心", aliases: [], senders: ["rczj@example.cn", "office@rczj.example.cn"], qq: [] },
  { id: 2, name: "重庆益民技工学校", aliases: [], senders: ["ym@example.cn"], qq: [] },
];

describe("the 回执 recipient", () => {
  it("is the From address when there is no Reply-To", () =>
    expect(replyAddressFor({ fromAddress: "rczj@example.cn", replyTo: null }, { schoolId: 1 }, roster)).toBe("rczj@example.cn"));

  it("is the From address when Reply-To names a victim outside the roster", () =>
    expect(replyAddressFor({ fromAddress: "rczj@example.cn", replyTo: "victim@example.org" }, { schoolId: 1 }, roster)).toBe("rczj@example.cn"));

  it("is the From address when Reply-To is another school's roster address", () =>
    expect(replyAddressFor({ fromAddress: "stranger@example.org", replyTo: "ym@example.cn" }, { schoolId: 1 }, roster)).toBe("stranger@example.org"));

  it("is the From address of an unattributed mail whatever Reply-To says", () =>
    expect(replyAddressFor({ fromAddress: "stranger@example.org", replyTo: "ym@example.cn" }, { schoolId: null }, roster)).toBe("stranger@example.org"));

  it("follows Reply-To when it is a roster address of the same school", () =>
    expect(replyAddressFor({ fromAddress: "rczj@example.cn", replyTo: "Office@RCZJ.example.cn" }, { schoolId: 1 }, roster)).toBe("office@rczj.example.cn"));

  it("is nobody when the mail has no From", () =>
    expect(replyAddressFor({ fromAddress: null, replyTo: "victim@example.org" }, { schoolId: null }, roster)).toBeNull());
});
