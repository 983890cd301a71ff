/**
 * What the receiving server (QQ, 163, Dovecot's MTA) concluded about the sender, read from
 * its Authentication-Results header (RFC 8601). We are not the MTA: we have no connecting
 * IP for SPF, so we trust the verdict of the server that accepted the mail.
 */
export type SenderAuth = "pass" | "fail" | "none";

export function readSenderAuth(authenticationResults: readonly string[]): SenderAuth {
  let sawPass = false;
  for (const header of authenticationResults) {
    const dmarc = /\bdmarc\s*=\s*([a-z]+)/i.exec(header)?.[1]?.toLowerCase();
    if (dmarc === "fail") return "fail";
    if (dmarc === "pass") sawPass = true;
  }
  return sawPass ? "pass" : "none";
}
