import { describe, expect, it } from "vitest";
import { detectAutoReply } from "./auto-reply.ts";

const check = (headers: Record<string, string>, from: string | null = "rczj@example.cn", contentType: string | null = null) =>
  detectAutoReply({ headers: new Map(Object.entries(headers)), fromAddress: from, contentType });

describe("detectAutoReply", () => {
  it("answers a person's mail", () => {
    expect(check({ subject: "信息采集表" })).toEqual({ autoReply: false, reason: null });
    expect(check({ "auto-submitted": "no" })).toEqual({ autoReply: false, reason: null });
  });

  it("never answers Auto-Submitted mail (RFC 3834)", () => {
    expect(check({ "auto-submitted": "auto-replied" }).reason).toBe("auto_submitted");
    expect(check({ "auto-submitted": "auto-generated; owner-email=x@y" }).reason).toBe("auto_submitted");
  });

  it("recognises bounces by report type, headers and null return path", () => {
    expect(check({}, "mailer-daemon@qq.com", "multipart/report; report-type=delivery-status").reason).toBe("bounce");
    expect(check({ "x-failed-recipients": "a@b.cn" }).reason).toBe("bounce");
    expect(check({ "return-path": "<>" }).reason).toBe("bounce");
  });

  it("recognises noreply senders, lists and bulk mail", () => {
    expect(check({}, "noreply@service.example.cn").reason).toBe("noreply_sender");
    expect(check({}, "no-reply+abc@x.cn").reason).toBe("noreply_sender");
    expect(check({ "list-id": "<news.example.cn>" }).reason).toBe("mailing_list");
    expect(check({ precedence: "bulk" }).reason).toBe("bulk_precedence");
    expect(check({ "x-autoreply": "yes" }).reason).toBe("autoresponder");
  });

  it("does not mistake a name that merely contains 'reply' for a robot", () => {
    expect(check({}, "replyteacher@qq.com").autoReply).toBe(false);
  });
});
