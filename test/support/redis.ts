import { spawn, type ChildProcess } from "node:child_process";
import { connect, createServer, type AddressInfo } from "node:net";
import { redisConnection, type JobQueues } from "@baosong/queue";

/**
 * A private redis-server for a test that stops Redis (TESTING.md: never the shared one).
 * Not daemonized: the test holds the child and ends exactly that process.
 */
export interface PrivateRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    await waitForPort(port, true);
  };
  const stop = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGTERM");
    await exited;
    await waitForPort(port, false);
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, start, stop };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, open: boolean): Promise<void> {
  const until = Date.now() + 15_000;
  for (;;) {
    const accepting = await new Promise<boolean>((resolve) => {
      const s = connect({ host: "127.0.0.1", port });
      s.once("connect", () => (s.destroy(), resolve(true)));
      s.once("error", () => resolve(false));
    });
    if (accepting === open) return;
    if (Date.now() > until) throw new Error(`redis port ${port} did not ${open ? "open" : "close"}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Ends a test's queues: obliterates the named ones, closes them, and deletes every key left under the prefix. */
export async function dropQueues(queues: JobQueues, redisUrl: string, prefix: string, names: readonly string[]): Promise<void> {
  for (const name of names) await queues.queue(name).obliterate({ force: true });
  await queues.close();
  const redis = redisConnection(redisUrl);
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
