import type { AddressInfo } from "node:net";
import type { Readable } from "node:stream";
import { SMTPServer } from "smtp-server";

/** A mail the sink accepted: when its last byte arrived, and the mail it answers. */
export interface Arrival {
  at: number;
  /** The In-Reply-To Message-ID without angle brackets (a 回执 names the school's mail). */
  inReplyTo: string | null;
}

/**
 * The SMTP peer of the bench: accepts every mail at once (a provider with no limit) and
 * records only its arrival time and In-Reply-To, so the bench process spends next to no CPU
 * on it while Baosong is measured. test/support/smtp-peer.ts parses every mail instead.
 */
export interface SmtpSink {
  host: string;
  port: number;
  arrivals: Arrival[];
  /** Arrival time of each answered Message-ID (the first, if a mail were answered twice). */
  answered(): Map<string, number>;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const arrivals: Arrival[] = [];
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    closeTimeout: 1_000,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? "" });
    },
    onData(stream: Readable, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        arrivals.push({ at: Date.now(), inReplyTo: inReplyTo(Buffer.concat(chunks)) });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    host: "127.0.0.1",
    port: (server.server.address() as AddressInfo).port,
    arrivals,
    answered() {
      const seen = new Map<string, number>();
      for (const a of arrivals) if (a.inReplyTo && !seen.has(a.inReplyTo)) seen.set(a.inReplyTo, a.at);
      return seen;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The In-Reply-To of a raw mail, read from its header block only (folded lines unfolded). */
export function inReplyTo(raw: Buffer): string | null {
  const end = raw.indexOf("\r\n\r\n");
  const header = raw
    .subarray(0, end < 0 ? raw.length : end)
    .toString("latin1")
    .replace(/\r\n[ \t]+/g, " ");
  const value = /^In-Reply-To:\s*(.*)$/im.exec(header)?.[1];
  return value ? (/<([^>]+)>/.exec(value)?.[1] ?? value.trim()) : null;
}
