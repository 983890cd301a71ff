import type { AddressInfo } from "node:net";
import type { Readable } from "node:stream";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer, type SMTPServerSession } from "smtp-server";

/** A mail the peer accepted: the bytes as they came over the wire, and mailparser's reading. */
export interface ReceivedMail {
  raw: Buffer;
  parsed: ParsedMail;
  envelope: { from: string | null; to: string[] };
  /** The user that logged in for this session, if any. */
  user: string | null;
}

export type RefusalStage = "mail" | "rcpt" | "data";

export interface Refusal {
  code: number;
  message: string;
  /** Which command gets the refusal; `data` (after the message body) by default. */
  stage?: RefusalStage;
}

export interface SmtpPeerOptions {
  /** When given, only this login is accepted; otherwise any login (or none) is. */
  auth?: { user: string; pass: string };
}

export interface SmtpPeer {
  host: string;
  port: number;
  received: ReceivedMail[];
  /** Deliveries refused by a `refuseNext` knob, in order. */
  refused: Refusal[];
  logins: { user: string; ok: boolean }[];
  /** SMTP sessions opened since the last reset: how often a sender connected. */
  readonly connections: number;
  /** Refuse the next `count` deliveries with this reply (e.g. 451 temporary, 550 permanent). */
  refuseNext(count: number, refusal: Refusal): void;
  /** Resolves once `count` mails were accepted; rejects at the deadline with what came. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  /** Forgets received mails, logins and pending refusals. */
  reset(): void;
  close(): Promise<void>;
}

/** An in-process SMTP server on a free port of 127.0.0.1: no TLS, plain AUTH allowed. */
export async function startSmtpPeer(options: SmtpPeerOptions = {}): Promise<SmtpPeer> {
  const received: ReceivedMail[] = [];
  const refused: Refusal[] = [];
  const logins: { user: string; ok: boolean }[] = [];
  let pending: { left: number; refusal: Refusal } | null = null;
  let connections = 0;

  /** Takes one pending refusal if it is meant for this stage. */
  const refusalAt = (stage: RefusalStage): Error | null => {
    if (!pending || pending.left <= 0 || (pending.refusal.stage ?? "data") !== stage) return null;
    pending.left--;
    const refusal = pending.refusal;
    if (pending.left <= 0) pending = null;
    refused.push(refusal);
    return Object.assign(new Error(refusal.message), { responseCode: refusal.code });
  };

  const server = new SMTPServer({
    authOptional: !options.auth,
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    closeTimeout: 1_000,
    onConnect(_session, callback) {
      connections++;
      callback();
    },
    onAuth(auth, _session, callback) {
      const user = auth.username ?? "";
      const ok = !options.auth || (user === options.auth.user && auth.password === options.auth.pass);
      logins.push({ user, ok });
      if (!ok) return callback(Object.assign(new Error("Authentication failed"), { responseCode: 535 }));
      callback(null, { user });
    },
    onMailFrom(_address, _session, callback) {
      callback(refusalAt("mail"));
    },
    onRcptTo(_address, _session, callback) {
      callback(refusalAt("rcpt"));
    },
    onData(stream: Readable, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const refusal = refusalAt("data");
        if (refusal) return callback(refusal);
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (parsed) => {
            received.push({
              raw,
              parsed,
              envelope: {
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
                to: session.envelope.rcptTo.map((r) => r.address),
              },
              user: typeof session.user === "string" ? session.user : null,
            });
            callback();
          },
          (err: Error) => callback(err),
        );
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  // A client killed mid-session (the fault tests SIGKILL Baosong) resets its connection:
  // smtp-server emits that as a server error, which unheard would fail the test process.
  server.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "ECONNRESET" && err.code !== "EPIPE") throw err;
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    host: "127.0.0.1",
    port,
    received,
    refused,
    logins,
    get connections() {
      return connections;
    },
    refuseNext(count, refusal) {
      pending = { left: count, refusal };
    },
    async waitFor(count, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) {
          throw new Error(`SMTP peer: expected ${count} mails, got ${received.length} (refused ${refused.length})`);
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      return received.slice(0, count);
    },
    reset() {
      received.length = 0;
      refused.length = 0;
      logins.length = 0;
      connections = 0;
      pending = null;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
