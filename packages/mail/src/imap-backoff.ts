/**
 * How long a poller waits before reconnecting. QQ throttles accounts that reconnect often
 * (SPEC §9), so waits double from 1 s up to 5 min; jitter keeps pollers that lost their
 * server at the same moment from coming back in step.
 */
export interface BackoffSettings {
  baseMs: number;
  maxMs: number;
}

export const defaultBackoff: BackoffSettings = { baseMs: 1_000, maxMs: 5 * 60_000 };

/**
 * The wait before reconnect number `attempt` (0 for the first after a good session): a
 * random point in the upper half of min(max, base·2^attempt), never below `baseMs`.
 * `random` is a number in [0, 1), passed in so the calculation stays testable.
 */
export function reconnectDelayMs(attempt: number, random: number, settings: BackoffSettings = defaultBackoff): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 30);
  const cap = Math.min(settings.maxMs, settings.baseMs * 2 ** exponent);
  const jittered = cap / 2 + (cap / 2) * Math.min(Math.max(random, 0), 1);
  return Math.round(Math.min(settings.maxMs, Math.max(settings.baseMs, jittered)));
}
