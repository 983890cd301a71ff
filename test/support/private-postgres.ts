import { execFile } from "node:child_process";
import { chmod, chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort, waitForPort } from "./ports.ts";

const run = promisify(execFile);
const BIN = process.env.TEST_PG_BIN ?? "/usr/lib/postgresql/15/bin";

/**
 * A PostgreSQL cluster of one test's own (initdb + pg_ctl in a temp directory), so a test may
 * crash-restart it or terminate its backends without touching the shared server. initdb
 * refuses root, so it runs as the `postgres` user when the test runs as root.
 */
export interface PrivatePostgres {
  port: number;
  /** A URL for `database` on this server. */
  url(database?: string): string;
  query(text: string, values?: unknown[]): Promise<pg.QueryResult>;
  /** `pg_ctl stop -m immediate` (a crash: no checkpoint, recovery on start) and start again. */
  restartImmediate(downMs?: number): Promise<void>;
  /** Terminates every backend of `database` but the caller's. Returns how many. */
  terminateBackends(database: string): Promise<number>;
  stop(): Promise<void>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = await mkdtemp(join(tmpdir(), "bspg-"));
  const data = join(dir, "data");
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
    await chmod(dir, 0o700);
  }
  const pgRun = (tool: string, args: string[]) => (asRoot ? run("runuser", ["-u", "postgres", "--", join(BIN, tool), ...args]) : run(join(BIN, tool), args));
  await pgRun("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);
  // fsync=off is safe here: an immediate stop kills Postgres, not the OS, and written WAL
  // survives in the page cache. synchronous_commit stays on: with it off, a crash loses
  // transactions already reported committed, which no production setup accepts.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const start = async () => {
    await pgRun("pg_ctl", ["-D", data, "-l", join(dir, "log"), "-o", options, "-w", "-t", "60", "start"]);
    await waitForPort(port, true);
  };
  const halt = async (mode: "immediate" | "fast") => {
    await pgRun("pg_ctl", ["-D", data, "-m", mode, "-w", "stop"]).catch(() => undefined);
    await waitForPort(port, false);
  };
  const url = (database = "postgres") => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const query = async (text: string, values: unknown[] = []) => {
    const client = new pg.Client({ connectionString: url() });
    client.on("error", () => undefined);
    await client.connect();
    try {
      return await client.query(text, values);
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  await start();
  return {
    port,
    url,
    query,
    async restartImmediate(downMs = 0) {
      await halt("immediate");
      if (downMs) await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    async terminateBackends(database) {
      const { rows } = await query("select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()", [
        database,
      ]);
      return rows[0].n;
    },
    async stop() {
      await halt("fast");
      await rm(dir, { recursive: true, force: true });
    },
  };
}
