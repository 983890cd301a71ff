/**
 * RFC 3834 and the habits of real mail systems: mails no person wrote must never be
 * answered, or two robots answer each other forever.
 */
export interface AutoReplyInput {
  /** Header names lower-cased, values as decoded strings. */
  headers: ReadonlyMap<string, string>;
  fromAddress: string | null;
  contentType: string | null;
}

export type AutoReplyReason =
  | "auto_submitted"
  | "bounce"
  | "mailing_list"
  | "bulk_precedence"
  | "noreply_sender"
  | "autoresponder"
  | "no_sender"
  | "recall_notice";

export interface AutoReplyVerdict {
  autoReply: boolean;
  reason: AutoReplyReason | null;
}

const NOREPLY = /^(no[-_.]?reply|do[-_.]?not[-_.]?reply|donotreply|mailer-daemon|postmaster|bounce[s]?)([-+_.].*)?@/i;

export function detectAutoReply({ headers, fromAddress, contentType }: AutoReplyInput): AutoReplyVerdict {
  const h = (name: string) => headers.get(name)?.trim() ?? "";
  const verdict = (reason: AutoReplyReason): AutoReplyVerdict => ({ autoReply: true, reason });

  // RFC 3834 §5: any Auto-Submitted value other than "no" marks an automatic mail.
  const autoSubmitted = h("auto-submitted").toLowerCase();
  if (autoSubmitted && !autoSubmitted.startsWith("no")) return verdict("auto_submitted");

  // RFC 3464 delivery status notifications, and bounces that only say so in headers.
  const ct = (contentType ?? h("content-type")).toLowerCase();
  if (ct.includes("multipart/report") || ct.includes("message/delivery-status")) return verdict("bounce");
  if (h("x-failed-recipients")) return verdict("bounce");
  if (h("return-path") === "<>") return verdict("bounce");

  if (!fromAddress) return verdict("no_sender");
  if (NOREPLY.test(fromAddress)) return verdict("noreply_sender");

  // RFC 2369/2919: mailing lists.
  if (h("list-id") || h("list-unsubscribe") || h("list-post")) return verdict("mailing_list");
  const precedence = h("precedence").toLowerCase();
  if (["bulk", "junk", "list", "auto_reply"].includes(precedence)) return verdict("bulk_precedence");

  // Microsoft and common autoresponders that skip Auto-Submitted.
  if (h("x-autoreply") || h("x-autorespond") || h("x-auto-response-suppress").toLowerCase().includes("all")) {
    return verdict("autoresponder");
  }
  return { autoReply: false, reason: null };
}
