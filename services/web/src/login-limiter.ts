/**
 * Failed logins per client address and per account name within a window: after `max`
 * failures either one waits until the window passes. In memory: one web process per host,
 * and a restart forgiving a few attempts costs nothing.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly max = 5,
    private readonly windowMs = 15 * 60_000,
  ) {}

  blocked(keys: readonly string[], now: number): boolean {
    return keys.some((k) => this.recent(k, now).length >= this.max);
  }

  fail(keys: readonly string[], now: number): void {
    for (const k of keys) this.failures.set(k, [...this.recent(k, now), now]);
  }

  succeed(keys: readonly string[]): void {
    for (const k of keys) this.failures.delete(k);
  }

  private recent(key: string, now: number): number[] {
    const kept = (this.failures.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (kept.length) this.failures.set(key, kept);
    else this.failures.delete(key);
    return kept;
  }
}
