import { sql } from "drizzle-orm";
import type { Redis } from "ioredis";
import { campaignMailboxes, type Database, type ViewRow } from "@baosong/db";

export interface HealthCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface HealthDeps {
  db: Database;
  redis: Redis;
  /** A poller whose heartbeat is older than this is stalled (SPEC §9). */
  mailboxStaleMs: number;
  now(): Date;
}

/** A queue or Redis call that waits for a Redis that is down would hang a page: give up after `ms`. */
export const within = <T>(ms: number, p: Promise<T>) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);

/** /healthz: Postgres, Redis and each mailbox's freshness; any failure makes the whole unhealthy. */
export async function checkHealth(d: HealthDeps): Promise<HealthCheck[]> {
  const checks: HealthCheck[] = [];
  let mailboxes: ViewRow[] = [];
  try {
    await within(3000, d.db.execute(sql`select 1`));
    mailboxes = await campaignMailboxes(d.db);
    checks.push({ name: "postgres", ok: true, detail: "ok" });
  } catch (err) {
    checks.push({ name: "postgres", ok: false, detail: (err as Error).message });
  }
  try {
    const pong = await within(3000, d.redis.ping());
    checks.push({ name: "redis", ok: pong === "PONG", detail: pong });
  } catch (err) {
    checks.push({ name: "redis", ok: false, detail: (err as Error).message });
  }
  const now = d.now().getTime();
  for (const m of mailboxes) {
    const beat = m.heartbeat_at ? new Date(String(m.heartbeat_at)).getTime() : null;
    const ok = beat !== null && now - beat <= d.mailboxStaleMs;
    checks.push({
      name: `mailbox:${m.campaign}/${m.mailbox_key}`,
      ok,
      detail: beat === null ? "never polled" : `heartbeat ${Math.round((now - beat) / 1000)} s ago`,
    });
  }
  return checks;
}
