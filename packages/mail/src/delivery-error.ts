/**
 * Whether a failed SMTP delivery is worth trying again. Pure: it reads the error nodemailer
 * (or our own composer) gave, nothing else. The sender marks the outbox row from it and
 * rethrows permanent failures so the queue stops retrying.
 */

export interface DeliveryVerdict {
  /** True: the same mail would be refused again; mark it failed. */
  permanent: boolean;
  /** The provider asked us to slow down: the whole account should pause, not just this mail. */
  throttled: boolean;
  /** Machine code: nodemailer's (`EAUTH`, `EENVELOPE`, …) or ours. */
  code: string;
  /** One line for `outbox.last_error`: the server's reply when there was one. Never a secret. */
  message: string;
}

/** What nodemailer puts on its errors (see its errors.js); any of it may be missing. */
interface SmtpErrorShape {
  code?: unknown;
  responseCode?: unknown;
  response?: unknown;
  command?: unknown;
  message?: unknown;
}

/**
 * Replies that say "too fast", whatever their code. QQ answers a burst with 发送频次过快
 * under a 5xx code; 163 uses HL:IFC / HL:ICC (too many mails / connections from one IP) and
 * RP:QRC (daily quota). Retrying later is right for all of them.
 */
const THROTTLE_PATTERNS = [
  /发送频次过快/,
  /频率|频繁|过于频繁/,
  /frequen(cy|tly)/i,
  /too many (mails|messages|connections|recipients)/i,
  /rate.?limit/i,
  /try again later/i,
  /\bHL:(IFC|ICC|REP)\b/,
  /\bRP:(QRC|TRC)\b/,
];

/** Errors where the connection, not the mail, failed: another try may well succeed. */
const CONNECTION_CODES = new Set([
  "ECONNECTION",
  "ETIMEDOUT",
  "ESOCKET",
  "EDNS",
  "ETLS",
  "EPROTOCOL",
  "EMAXLIMIT",
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/** Failures of our own making that no retry repairs. */
const PERMANENT_LOCAL_CODES = new Set(["BLOB_NOT_FOUND", "OUTBOX_INVALID", "ECONFIG"]);

export function classifyDeliveryError(error: unknown): DeliveryVerdict {
  const e: SmtpErrorShape = typeof error === "object" && error !== null ? (error as SmtpErrorShape) : { message: String(error) };
  const code = typeof e.code === "string" && e.code ? e.code : "EUNKNOWN";
  const responseCode = typeof e.responseCode === "number" ? e.responseCode : replyCodeOf(e.response);
  const message = oneLine(describe(e, responseCode));
  const throttled = THROTTLE_PATTERNS.some((p) => p.test(message));
  const verdict = (permanent: boolean): DeliveryVerdict => ({ permanent, throttled, code, message });

  if (throttled) return verdict(false);
  if (PERMANENT_LOCAL_CODES.has(code)) return verdict(true);
  if (code === "EAUTH" || code === "ENOAUTH") {
    // A wrong or revoked 授权码 does not fix itself; a 4xx (454 temporary auth failure) might.
    return verdict(!(responseCode !== null && responseCode >= 400 && responseCode < 500));
  }
  if (responseCode !== null) {
    // RFC 5321: 4yz transient (421/450/451/452 above all), 5yz permanent — except 503,
    // a command out of sequence on this session, which a fresh connection does not repeat.
    if (responseCode >= 400 && responseCode < 500) return verdict(false);
    if (responseCode >= 500 && responseCode < 600) return verdict(responseCode !== 503);
  }
  // No reply at all: nodemailer refused the envelope itself (no or malformed recipient).
  if (code === "EENVELOPE") return verdict(true);
  if (CONNECTION_CODES.has(code)) return verdict(false);
  // Unknown: retry. The attempt limit still gives every mail a terminal state.
  return verdict(false);
}

function replyCodeOf(response: unknown): number | null {
  if (typeof response !== "string") return null;
  const m = /^([245]\d\d)[ -]/.exec(response.trim());
  return m?.[1] ? Number(m[1]) : null;
}

function describe(e: SmtpErrorShape, responseCode: number | null): string {
  const base = typeof e.message === "string" && e.message ? e.message : "delivery failed";
  const command = typeof e.command === "string" && e.command ? ` [${e.command}]` : "";
  // nodemailer appends the server reply to its message; say it once.
  if (typeof e.response === "string" && e.response && !base.includes(e.response)) return `${base}: ${e.response}${command}`;
  if (responseCode === null && typeof e.code === "string" && !base.includes(e.code)) return `${e.code}: ${base}${command}`;
  return `${base}${command}`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
