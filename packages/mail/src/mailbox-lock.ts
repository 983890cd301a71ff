import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Redis } from "ioredis";
import type { Logger } from "@baosong/log";

/**
 * One poller per mailbox (SPEC §1): two pollers on one mailbox would race on its last_uid
 * and each hold an IMAP connection, which QQ throttles. The lock is a Redis key holding the
 * holder's token, set with NX and a TTL, renewed while held, and deleted only by its holder.
 */

/** What a poller needs from a lock; tests and single-process setups may pass their own. */
export interface PollerLock {
  /** Waits until the lock is ours; resolves null when `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<HeldLock | null>;
}

export interface HeldLock {
  /** Aborts when the lock could not be renewed in time or another poller holds it now. */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

export interface MailboxLockSettings {
  redis: Redis;
  key: string;
  logger: Logger;
  /** How long the key outlives a holder that died. */
  ttlMs?: number;
  renewEveryMs?: number;
  /** How often a waiting poller tries again. */
  retryEveryMs?: number;
}

// Deletes or extends the key only while it still holds our token: a holder that paused past
// its TTL must not remove the lock a second poller took meanwhile.
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;
// A key that vanished (Redis restarted without persistence) is taken back rather than given
// up: nobody holds it, and dropping the IMAP session for it would only cost a reconnect.
const RENEW = `local v = redis.call("get", KEYS[1])
if v == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) end
if not v then redis.call("set", KEYS[1], ARGV[1], "PX", ARGV[2]) return 1 end
return 0`;

export class MailboxLock implements PollerLock {
  readonly token = `${hostname()}:${process.pid}:${randomBytes(8).toString("hex")}`;
  private readonly ttlMs: number;
  private readonly renewEveryMs: number;
  private readonly retryEveryMs: number;

  constructor(private readonly s: MailboxLockSettings) {
    this.ttlMs = s.ttlMs ?? 30_000;
    this.renewEveryMs = s.renewEveryMs ?? 10_000;
    this.retryEveryMs = s.retryEveryMs ?? 5_000;
  }

  async acquire(signal: AbortSignal): Promise<HeldLock | null> {
    let waiting = false;
    while (!signal.aborted) {
      try {
        const ok = await this.s.redis.set(this.s.key, this.token, "PX", this.ttlMs, "NX");
        if (ok === "OK") {
          if (waiting) this.s.logger.info({ msg: "poller lock acquired after waiting", action: "poller.lock", key: this.s.key });
          return this.hold();
        }
        if (!waiting) {
          const holder = await this.s.redis.get(this.s.key);
          this.s.logger.warn({ msg: "another poller holds this mailbox; waiting", action: "poller.lock", key: this.s.key, holder });
          waiting = true;
        }
      } catch (err) {
        this.s.logger.warn({ msg: "poller lock unavailable; retrying", action: "poller.lock", key: this.s.key, err });
      }
      await abortableSleep(this.retryEveryMs, signal);
    }
    return null;
  }

  private hold(): HeldLock {
    const lost = new AbortController();
    let renewedAt = Date.now();
    let renewing = false;
    const loseIt = (reason: string) => {
      if (lost.signal.aborted) return;
      this.s.logger.warn({ msg: "poller lock lost", action: "poller.lock", key: this.s.key, reason });
      lost.abort(new Error(reason));
      clearInterval(timer);
    };
    const timer = setInterval(() => {
      // A renewal that hangs (Redis unreachable) counts as failed once the TTL has passed:
      // by then another poller may hold the key.
      if (Date.now() - renewedAt >= this.ttlMs) return loseIt("not renewed within its TTL");
      if (renewing) return;
      renewing = true;
      this.s.redis
        .eval(RENEW, 1, this.s.key, this.token, String(this.ttlMs))
        .then((result) => {
          if (Number(result) === 1) renewedAt = Date.now();
          else loseIt("another poller holds it");
        })
        .catch((err: unknown) => this.s.logger.warn({ msg: "poller lock renewal failed", action: "poller.lock", key: this.s.key, err }))
        .finally(() => {
          renewing = false;
        });
    }, this.renewEveryMs);
    timer.unref();
    return {
      lost: lost.signal,
      release: async () => {
        clearInterval(timer);
        await this.s.redis.eval(RELEASE, 1, this.s.key, this.token).catch((err: unknown) => {
          // It expires on its own within the TTL.
          this.s.logger.warn({ msg: "poller lock release failed", action: "poller.lock", key: this.s.key, err });
        });
      },
    };
  }
}

export function pollerLockKey(prefix: string, mailboxId: number): string {
  return `${prefix}:poller-lock:${mailboxId}`;
}

/** Resolves after `ms`, or early when `signal` aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
