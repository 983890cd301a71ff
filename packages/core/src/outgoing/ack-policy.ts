import type { AutoReplyVerdict } from "../attribution/auto-reply.ts";

export interface AckPolicyInput {
  enabled: boolean;
  autoReply: AutoReplyVerdict;
  /** Whether the sender's address is on the roster (any school). */
  senderOnRoster: boolean;
  allowUnknownSenders: boolean;
  /** 回执 already queued for this address for mails received in the same hour as this one. */
  sentToAddressLastHour: number;
  maxPerSenderPerHour: number;
  toAddress: string | null;
}

/** Null when the 回执 may go out, otherwise why it is suppressed (recorded in the outbox). */
export function ackSuppression(p: AckPolicyInput): string | null {
  if (!p.enabled) return "acknowledgements_disabled";
  if (!p.toAddress) return "no_reply_address";
  // RFC 3834: never answer an automatic mail.
  if (p.autoReply.autoReply) return `auto_reply:${p.autoReply.reason}`;
  if (!p.senderOnRoster && !p.allowUnknownSenders) return "sender_not_on_roster";
  if (p.sentToAddressLastHour >= p.maxPerSenderPerHour) return "hourly_cap";
  return null;
}
