import { ImapFlow } from "imapflow";
import type { MailboxConfig } from "@baosong/core";
import { recordHeartbeat, recordMailboxError, type Database } from "@baosong/db";
import type { BlobStore } from "@baosong/blobs";
import type { JobQueues } from "@baosong/queue";
import type { Logger } from "@baosong/log";
import { defaultBackoff, reconnectDelayMs, type BackoffSettings } from "./imap-backoff.ts";
import { abortableSleep, type PollerLock } from "./mailbox-lock.ts";
import { sweepMailbox } from "./mailbox-sweep.ts";

export interface ImapSourceSettings {
  mailboxId: number;
  campaignId: number;
  config: MailboxConfig;
  /** Resolved from `config.imap.password_env` by the service; never logged or recorded. */
  password: string;
  db: Database;
  blobs: BlobStore;
  queues: Pick<JobQueues, "addBulk">;
  logger: Logger;
  lock: PollerLock;
  backoff?: BackoffSettings;
  /** A session that swept and stayed up this long counts as good: the backoff starts over. */
  goodSessionMs?: number;
  /** Quiet time before imapflow re-enters IDLE (its `autoIdleDelay`); 300 ms by default. */
  idleAfterMs?: number;
  random?: () => number;
}

const DEFAULT_IDLE_AFTER_MS = 300;

/**
 * Polls one mailbox until stopped: waits for the mailbox's lock, connects, sweeps on every
 * new-mail notice (IDLE) and every `poll_interval_seconds` (163 has no IDLE), and reconnects
 * with backoff when the connection drops.
 */
export class ImapSource {
  private readonly stopping = new AbortController();
  private running: Promise<void> | null = null;
  private readonly log: Logger;

  constructor(private readonly s: ImapSourceSettings) {
    this.log = s.logger.child({ role: "poller", mailbox: s.config.id, mailboxId: s.mailboxId });
  }

  start(): this {
    this.running ??= this.run().catch((err: unknown) => this.log.error({ msg: "poller ended unexpectedly", err }));
    return this;
  }

  /** Resolves once the session logged out and the lock is released. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  private async run(): Promise<void> {
    const stop = this.stopping.signal;
    let failures = 0;
    while (!stop.aborted) {
      const held = await this.s.lock.acquire(stop);
      if (!held) break;
      const ended = AbortSignal.any([stop, held.lost]);
      try {
        while (!ended.aborted) {
          const good = await this.session(ended).catch(async (err: unknown) => {
            await this.recordError(err);
            return false;
          });
          if (ended.aborted) break;
          if (good) failures = 0;
          const delay = reconnectDelayMs(failures++, (this.s.random ?? Math.random)(), this.s.backoff ?? defaultBackoff);
          this.log.info({ msg: "reconnecting", action: "imap.reconnect", inMs: delay, attempt: failures });
          await abortableSleep(delay, ended);
        }
      } finally {
        await held.release();
      }
    }
  }

  /** One IMAP connection, from connect to its end. Returns whether it was a good session. */
  private async session(ended: AbortSignal): Promise<boolean> {
    const { config } = this.s;
    const client = new ImapFlow({
      host: config.imap.host,
      port: config.imap.port,
      secure: config.imap.secure,
      auth: { user: config.imap.user, pass: this.s.password },
      // Sent as the IMAP ID command when the server offers ID: 163.com refuses SELECT
      // ("Unsafe Login") until the client identifies itself (RFC 2971).
      clientInfo: { name: "Baosong", version: "1.0", vendor: "Baosong" },
      logger: imapLogger(this.log),
      connectionTimeout: 30_000,
      // imapflow's own default is 15 s of silence before IDLE: mail arriving right after a
      // sweep would wait that long to be noticed. Back in IDLE at once, the server tells us.
      autoIdleDelay: this.s.idleAfterMs ?? DEFAULT_IDLE_AFTER_MS,
    });
    const wake = new Wakeup();
    let closedError: Error | null = null;
    client.on("error", (err: Error) => {
      closedError = err;
    });
    client.on("close", () => wake.notify());
    client.on("exists", () => wake.notify());
    // imapflow re-opens the folder itself when it notices a new UIDVALIDITY.
    client.on("mailboxOpen", () => wake.notify());
    let connected = false;
    const onEnd = () => {
      wake.notify();
      // Stopping must not wait out a connect that hangs (a server that never greets).
      if (!connected) client.close();
    };
    ended.addEventListener("abort", onEnd, { once: true });
    const timer = setInterval(() => wake.notify(), config.poll_interval_seconds * 1000);
    const startedAt = Date.now();
    let swept = false;
    try {
      await client.connect();
      connected = true;
      // QQ lists IDLE only after login; imapflow asks for CAPABILITY again after LOGIN.
      this.log.info({ msg: "connected", action: "imap.connect", folder: config.folder, idle: client.capabilities.has("IDLE") });
      while (!ended.aborted) {
        if (!client.usable) throw closedError ?? new Error(`connection closed${client.byeReason ? `: ${client.byeReason}` : ""}`);
        if (await this.sweepOnce(client, ended)) swept = true;
        await wake.wait();
      }
      await logout(client);
    } catch (err) {
      if (!ended.aborted) await this.recordError(err);
      client.close();
    } finally {
      clearInterval(timer);
      ended.removeEventListener("abort", onEnd);
      client.removeAllListeners();
      client.on("error", () => undefined);
    }
    return swept && Date.now() - startedAt >= (this.s.goodSessionMs ?? 60_000);
  }

  /**
   * A sweep that fails on a live connection (Postgres restarting, the blob store full) is
   * recorded and tried again on the next notice or tick, without dropping the connection.
   */
  private async sweepOnce(client: ImapFlow, ended: AbortSignal): Promise<boolean> {
    const { s } = this;
    try {
      const result = await sweepMailbox({
        client,
        mailboxId: s.mailboxId,
        campaignId: s.campaignId,
        config: s.config,
        db: s.db,
        blobs: s.blobs,
        queues: s.queues,
        logger: this.log,
        signal: ended,
      });
      // A clean sweep clears the last error; one with problems leaves them for the dashboard.
      await recordHeartbeat(s.db, s.mailboxId, { clearError: result.problems.length === 0 });
      if (result.problems.length) await recordMailboxError(s.db, s.mailboxId, result.problems.join("; "));
      return true;
    } catch (err) {
      if (!client.usable || ended.aborted) throw err;
      await this.recordError(err);
      return false;
    }
  }

  private async recordError(err: unknown): Promise<void> {
    const text = describeImapError(err, this.s.password);
    this.log.warn({ msg: "mailbox error", action: "imap.error", error: text });
    await recordMailboxError(this.s.db, this.s.mailboxId, text).catch((dbErr: unknown) =>
      this.log.error({ msg: "could not record the mailbox error", err: dbErr }),
    );
  }
}

/** A one-slot doorbell: notices that come while a sweep runs make the next wait return at once. */
class Wakeup {
  private pending = false;
  private resolve: (() => void) | null = null;

  notify(): void {
    this.pending = true;
    this.resolve?.();
  }

  async wait(): Promise<void> {
    if (!this.pending) await new Promise<void>((r) => (this.resolve = r));
    this.resolve = null;
    this.pending = false;
  }
}

async function logout(client: ImapFlow): Promise<void> {
  // A server that stops answering must not hold up a shutdown.
  const done = new AbortController();
  const timeout = abortableSleep(10_000, done.signal).then(() => {
    if (!done.signal.aborted) client.close();
  });
  await Promise.race([client.logout().catch(() => client.close()), timeout]);
  done.abort();
}

/**
 * The text kept in mailboxes.last_error: the error's code, message and server response,
 * with the password cut out should a server ever echo it.
 */
export function describeImapError(err: unknown, secret: string): string {
  const e = err as { code?: unknown; message?: unknown; responseText?: unknown; responseStatus?: unknown; authenticationFailed?: unknown };
  const parts = [
    e.authenticationFailed ? "authentication failed:" : null,
    typeof e.code === "string" ? e.code : null,
    typeof e.message === "string" ? e.message : String(err),
  ];
  if (typeof e.responseText === "string" && e.responseText) parts.push(`(${e.responseStatus ?? "server"}: ${e.responseText})`);
  const text = parts.filter(Boolean).join(" ");
  return secret ? text.split(secret).join("***") : text;
}

/** imapflow's own warnings, under our logger; its chatter below warn is dropped. */
function imapLogger(log: Logger) {
  const forward = (entry: unknown) => log.warn({ msg: "imapflow", imap: entry });
  const ignore = () => undefined;
  return { debug: ignore, info: ignore, warn: forward, error: forward };
}
