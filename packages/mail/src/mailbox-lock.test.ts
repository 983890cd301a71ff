import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { createLogger } from "@baosong/log";
import { MailboxLock, pollerLockKey, type HeldLock } from "./mailbox-lock.ts";

const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

describe("mailbox lock", { timeout: 20_000 }, () => {
  let redis: Redis;
  let key: string;
  const logger = createLogger({ level: "silent" });
  const lock = (settings: { ttlMs?: number; renewEveryMs?: number } = {}) =>
    new MailboxLock({ redis, key, logger, ttlMs: 2_000, renewEveryMs: 200, retryEveryMs: 50, ...settings });

  beforeEach(() => {
    redis = new Redis(redisUrl);
    key = pollerLockKey(`bs-test-${randomBytes(5).toString("hex")}`, 1);
  });
  afterEach(async () => {
    await redis.del(key);
    redis.disconnect();
  });

  it("is held by one poller at a time; the second gets it once the first releases", async () => {
    const first = lock();
    const second = lock();
    const held = (await first.acquire(new AbortController().signal))!;
    expect(await redis.get(key)).toBe(first.token);

    let secondHeld: HeldLock | null = null;
    const waiting = second.acquire(new AbortController().signal).then((h) => (secondHeld = h));
    await new Promise((r) => setTimeout(r, 300));
    expect(secondHeld).toBeNull();
    expect(await redis.get(key)).toBe(first.token);

    await held.release();
    await waiting;
    expect(await redis.get(key)).toBe(second.token);
    await secondHeld!.release();
    expect(await redis.exists(key)).toBe(0);
  });

  it("stays held past its TTL while renewed", async () => {
    const held = (await lock({ ttlMs: 600, renewEveryMs: 150 }).acquire(new AbortController().signal))!;
    await new Promise((r) => setTimeout(r, 1_500));
    expect(held.lost.aborted).toBe(false);
    expect(Number(await redis.pttl(key))).toBeGreaterThan(0);
    await held.release();
  });

  it("never deletes a lock another poller took, and reports it lost", async () => {
    const mine = lock();
    const held = (await mine.acquire(new AbortController().signal))!;
    await redis.set(key, "someone-else");
    const deadline = Date.now() + 5_000;
    while (!held.lost.aborted && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(held.lost.aborted).toBe(true);
    await held.release();
    expect(await redis.get(key)).toBe("someone-else");
  });

  it("takes the key back when it vanished (Redis restarted without persistence)", async () => {
    const mine = lock();
    const held = (await mine.acquire(new AbortController().signal))!;
    await redis.del(key);
    const deadline = Date.now() + 5_000;
    while ((await redis.get(key)) !== mine.token && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await redis.get(key)).toBe(mine.token);
    expect(held.lost.aborted).toBe(false);
    await held.release();
  });

  it("stops waiting when told to", async () => {
    const held = (await lock().acquire(new AbortController().signal))!;
    const stop = new AbortController();
    const waiting = lock().acquire(stop.signal);
    stop.abort();
    expect(await waiting).toBeNull();
    await held.release();
  });
});
