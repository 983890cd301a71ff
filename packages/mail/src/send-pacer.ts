import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "ioredis";
import type { SmtpConfig } from "@baosong/core";

/*
 * Per-account pacing in Redis, shared by every sender process: each send reserves the
 * account's next free slot, one every 60 000 / per_minute ms. Even spacing rather than a
 * per-minute budget, because QQ refuses bursts (发送频次过快) even under its hourly limit.
 * The clock is Redis's (TIME), so hosts with skewed clocks still agree.
 */

const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, free)
local nextFree = slot + tonumber(ARGV[1])
redis.call('SET', KEYS[1], nextFree, 'PX', nextFree - now + 60000)
return {slot, slot - now}
`;

const HOLD = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local untilMs = now + tonumber(ARGV[1])
if free < untilMs then
  redis.call('SET', KEYS[1], untilMs, 'PX', untilMs - now + 60000)
end
return 0
`;

/** The account a pace belongs to: two campaigns sending as one mailbox share its limit. */
export function smtpAccountOf(smtp: Pick<SmtpConfig, "host" | "port" | "user">): string {
  return `${smtp.host.toLowerCase()}:${smtp.port}/${smtp.user.toLowerCase()}`;
}

/** A reserved send time: `at` on Redis's clock (ms since the epoch), `waitMs` from now. */
export interface PaceSlot {
  at: number;
  waitMs: number;
}

/** Milliseconds between two sends of one account. */
export function paceIntervalMs(perMinute: number): number {
  return Math.ceil(60_000 / Math.max(1, perMinute));
}

/**
 * How long one send may take (connect once, then MAIL/RCPT/DATA and our handover write)
 * before a single connection falls behind the pace. Over the network a send is 100–300 ms.
 */
const SEND_BUDGET_MS = 250;

/** More connections per account than this look like a flood to QQ and 163 (SPEC §9). */
export const MAX_CONNECTIONS_PER_ACCOUNT = 4;

/**
 * Sends of one account that may be in flight at once: one while the pace leaves a send its
 * budget (QQ at 20 a minute keeps to one connection), more only when the interval is shorter
 * than a send takes, so a provider that allows 100 a second gets them.
 */
export function parallelSendsFor(perMinute: number): number {
  return Math.min(MAX_CONNECTIONS_PER_ACCOUNT, Math.max(1, Math.ceil(SEND_BUDGET_MS / paceIntervalMs(perMinute))));
}

/** The scripts as commands of the connection: sent once, then called by SHA (EVALSHA, EVAL again after a Redis restart). */
interface PaceCommands {
  baosongPaceReserve(key: string, intervalMs: number): Promise<[number, number]>;
  baosongPaceHold(key: string, ms: number): Promise<number>;
}

export class SendPacer {
  private readonly commands: PaceCommands;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand("baosongPaceReserve", { numberOfKeys: 1, lua: RESERVE });
    redis.defineCommand("baosongPaceHold", { numberOfKeys: 1, lua: HOLD });
    this.commands = redis as unknown as PaceCommands;
  }

  /** Reserves the account's next slot; resolves with how many ms until it comes. */
  async reserve(account: string, perMinute: number): Promise<number> {
    return (await this.reserveSlot(account, perMinute)).waitMs;
  }

  /** Reserves the account's next slot: one reservation per send, however many run at once. */
  async reserveSlot(account: string, perMinute: number): Promise<PaceSlot> {
    const [at, waitMs] = await this.commands.baosongPaceReserve(this.keyOf(account), paceIntervalMs(perMinute));
    return { at: Number(at), waitMs: Number(waitMs) };
  }

  /**
   * Reserves a slot and waits for it. An abort ends the wait at once with an AbortError: a
   * sender that stops does not sit out its slots (at QQ's pace, a minute for a handful).
   */
  async wait(account: string, perMinute: number, signal?: AbortSignal): Promise<number> {
    signal?.throwIfAborted();
    const ms = await this.reserve(account, perMinute);
    if (ms > 0) await sleep(ms, undefined, { signal });
    return ms;
  }

  /** The provider said "too fast": no slot for this account before `ms` from now. */
  async hold(account: string, ms: number): Promise<void> {
    await this.commands.baosongPaceHold(this.keyOf(account), Math.max(0, Math.round(ms)));
  }

  private keyOf(account: string): string {
    return `${this.prefix}:smtp-pace:${account}`;
  }
}
