/**
 * Whether the sender is who the From address says (SPEC §3), from two sources:
 * - the receiving server's own Authentication-Results header (RFC 8601), recognised by its
 *   authserv-id. Anyone can write such a header into a mail; only the one the mailbox's
 *   provider added counts. The provider prepends its header above everything the sender
 *   wrote, so the first header with a trusted id is the provider's; later ones are ignored.
 * - our own check (DKIM signatures verified against DNS, DMARC alignment), done by the mail
 *   adapter. We have no connecting IP, so SPF is the receiving server's business.
 */
export type SenderAuth = "pass" | "fail" | "none";

/** What the receiving server wrote: results per method, lower-cased ("pass", "fail" …). */
export interface ReceiverAuth {
  authservId: string;
  dmarc: string | null;
  spf: string | null;
  dkim: string | null;
}

/** What our own verification found. `dmarc` is null when it was not evaluated. */
export interface OwnAuthCheck {
  dkim: { domain: string; result: string; aligned: boolean }[];
  dmarc: string | null;
  error?: string;
}

/** Everything recorded about a mail's authentication (messages.auth_details). */
export interface SenderAuthRecord {
  verdict: SenderAuth;
  receiver: ReceiverAuth | null;
  /** Authentication-Results headers not written by the receiving server: ignored. */
  ignoredHeaders: number;
  own: OwnAuthCheck | null;
}

/** The authserv-id the providers write (a QQ mail shows `Authentication-Results: mx.qq.com; …`). */
export const providerAuthservIds: Record<string, readonly string[]> = {
  qq: ["mx.qq.com"],
  "163": ["mx.163.com"],
  generic: [],
};

export function senderAuth(headers: readonly string[], trustedIds: readonly string[], own: OwnAuthCheck | null): SenderAuthRecord {
  const trusted = new Set(trustedIds.map((id) => id.toLowerCase()));
  let receiver: ReceiverAuth | null = null;
  for (const header of headers) {
    const parsed = parseAuthenticationResults(header);
    if (parsed && trusted.has(parsed.authservId)) {
      receiver = parsed;
      break;
    }
  }
  const ignoredHeaders = headers.length - (receiver ? 1 : 0);
  return { verdict: verdictOf(receiver, own), receiver, ignoredHeaders, own };
}

/**
 * An aligned DKIM signature that verifies is a DMARC pass whatever else failed (forwarding
 * breaks SPF, not DKIM). Otherwise the receiving server's DMARC verdict decides; our own
 * DMARC verdict counts only where the server wrote none.
 */
function verdictOf(receiver: ReceiverAuth | null, own: OwnAuthCheck | null): SenderAuth {
  if (own?.dkim.some((d) => d.aligned && d.result === "pass") || own?.dmarc === "pass") return "pass";
  const dmarc = receiver ? receiver.dmarc : (own?.dmarc ?? null);
  if (dmarc === "pass") return "pass";
  if (dmarc === "fail") return "fail";
  return "none";
}

/** RFC 8601: `authserv-id [version] ; method=result … ; method=result …`. */
export function parseAuthenticationResults(header: string): ReceiverAuth | null {
  const value = stripComments(header.replace(/^[^:]*:/, "").replace(/\r?\n[ \t]+/g, " ")).trim();
  const [head, ...rest] = value.split(";");
  const authservId = head?.trim().split(/\s+/)[0]?.toLowerCase() ?? "";
  if (!authservId || authservId.includes("=")) return null;
  const results = rest.join(";");
  const method = (name: string) => new RegExp(`(?:^|[\\s;])${name}\\s*=\\s*([a-z]+)`, "i").exec(results)?.[1]?.toLowerCase() ?? null;
  return { authservId, dmarc: method("dmarc"), spf: method("spf"), dkim: method("dkim") };
}

function stripComments(s: string): string {
  let out = "";
  let depth = 0;
  for (const c of s) {
    if (c === "(") depth++;
    else if (c === ")" && depth > 0) depth--;
    else if (depth === 0) out += c;
  }
  return out;
}
