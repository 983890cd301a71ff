import { describe, expect, it } from "vitest";
import { ackSuppression, type AckPolicyInput } from "./ack-policy.ts";

const ok: AckPolicyInput = {
  enabled: true,
  autoReply: { autoReply: false, reason: null },
  senderOnRoster: true,
  allowUnknownSenders: false,
  sentToAddressLastHour: 0,
  maxPerSenderPerHour: 5,
  toAddress: "rczj@example.cn",
};

describe("ackSuppression", () => {
  it("lets an acknowledgement to a roster sender through", () => expect(ackSuppression(ok)).toBeNull());
  it("suppresses auto-replies with their reason", () =>
    expect(ackSuppression({ ...ok, autoReply: { autoReply: true, reason: "bounce" } })).toBe("auto_reply:bounce"));
  it("suppresses strangers unless the campaign allows them", () => {
    expect(ackSuppression({ ...ok, senderOnRoster: false })).toBe("sender_not_on_roster");
    expect(ackSuppression({ ...ok, senderOnRoster: false, allowUnknownSenders: true })).toBeNull();
  });
  it("caps acknowledgements per sender per hour", () => expect(ackSuppression({ ...ok, sentToAddressLastHour: 5 })).toBe("hourly_cap"));
  it("suppresses when disabled or there is no address", () => {
    expect(ackSuppression({ ...ok, enabled: false })).toBe("acknowledgements_disabled");
    expect(ackSuppression({ ...ok, toAddress: null })).toBe("no_reply_address");
  });
});
