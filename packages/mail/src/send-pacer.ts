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
return slot - now
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

export class SendPacer {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Reserves the account's next slot; resolves with how many ms until it comes. */
  async reserve(account: string, perMinute: number): Promise<number> {
    const interval = Math.ceil(60_000 / Math.max(1, perMinute));
    return Number(await this.redis.eval(RESERVE, 1, this.keyOf(account), interval));
  }

  /** Reserves a slot and waits for it. */
  async wait(account: string, perMinute: number): Promise<number> {
    const ms = await this.reserve(account, perMinute);
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
    return ms;
  }

  /** The provider said "too fast": no slot for this account before `ms` from now. */
  async hold(account: string, ms: number): Promise<void> {
    await this.redis.eval(HOLD, 1, this.keyOf(account), Math.max(0, Math.round(ms)));
  }

  private keyOf(account: string): string {
    return `${this.prefix}:smtp-pace:${account}`;
  }
}
