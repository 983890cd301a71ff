import { promises as dns } from "node:dns";
import type { Readable } from "node:stream";
import type { DNSResolver } from "mailauth";
import type { OwnAuthCheck } from "@baosong/core";

export type { DNSResolver } from "mailauth";

const DNS_TIMEOUT_MS = 5_000;

/** The system resolver, each lookup cut off after 5 s so a dead DNS server cannot hold a job. */
export const systemResolver: DNSResolver = (name, rrtype) => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`DNS ${rrtype} ${name} timed out`), { code: "ETIMEOUT" })), DNS_TIMEOUT_MS);
  });
  return Promise.race([dns.resolve(name, rrtype) as Promise<string[][] | string[]>, timeout]).finally(() => clearTimeout(timer));
};

/**
 * Verifies the mail's DKIM signatures and DMARC alignment ourselves (mailauth), as far as
 * the raw bytes allow: we were not the receiving MTA and have no connecting IP, so SPF is
 * left to the receiving server's header. Never throws: a failure is recorded as the check's
 * error and the mail goes on with the receiving server's verdict.
 */
export async function verifySender(raw: Readable, resolver: DNSResolver = systemResolver): Promise<OwnAuthCheck> {
  try {
    // Loaded with the first mail, not at start-up: mailauth and its DNS, X.509 and joi
    // dependencies are ~30 MB and ~0.3 s that the sender, scheduler and web roles never use.
    const { authenticate } = await import("mailauth");
    const result = await authenticate(raw, { resolver, mta: "baosong.invalid", disableArc: true, disableBimi: true, trustReceived: false });
    const dmarc = result.dmarc ? result.dmarc.status.result : null;
    return {
      dkim: result.dkim.results.map((r) => ({ domain: (r.signingDomain ?? "").toLowerCase(), result: r.status.result, aligned: Boolean(r.status.aligned) })),
      dmarc,
    };
  } catch (err) {
    raw.destroy();
    return { dkim: [], dmarc: null, error: (err as Error).message };
  }
}
