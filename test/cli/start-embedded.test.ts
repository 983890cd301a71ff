import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import pg from "pg";
import { JobQueues } from "@baosong/queue";
import { repoRoot, runCli, untilPrinted } from "../support/cli.ts";

/**
 * `pnpm start` without DATABASE_URL falls back to an embedded PGlite: the migrations and a
 * campaign apply against it, the roles run, other commands and psql reach it at the address
 * it logs while it runs, and SIGTERM stops them cleanly.
 */
describe("pnpm start without DATABASE_URL", () => {
  const prefix = `bsemb-${randomBytes(4).toString("hex")}`;
  const dirs: string[] = [];
  afterAll(async () => {
    const queues = new JobQueues({ redisUrl: "redis://127.0.0.1:6379", prefix });
    for (const name of ["ingest", "send"]) await queues.queue(name).obliterate({ force: true });
    await queues.close();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it("runs on the embedded database, keeps its data, and stops on SIGTERM", async () => {
    const dir = await mkdtemp(join(tmpdir(), "baosong-embedded-"));
    dirs.push(dir);
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      REDIS_URL: "redis://127.0.0.1:6379",
      BAOSONG_PGLITE_DIR: join(dir, "pgdata"),
      BAOSONG_BLOB_DIR: join(dir, "blobs"),
      BAOSONG_QUEUE_PREFIX: prefix,
      BAOSONG_CAMPAIGNS: "examples/demo.yaml",
      LOG_LEVEL: "info",
    };
    for (let run = 1; run <= 2; run++) {
      const child = spawn(process.execPath, ["--import", "tsx", "services/cli/src/main.ts", "start", "worker", "sender"], {
        cwd: repoRoot,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      const started = await untilPrinted(child, '"msg":"baosong running"');
      const lines = started
        .output()
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      expect(lines.find((l) => l.msg === "campaign applied")).toMatchObject({ campaign: "demo" });
      const running = lines.find((l) => l.msg === "baosong running");
      expect(running).toMatchObject({ embeddedDatabase: true, roles: ["worker", "sender"] });
      expect(running.database).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
      if (run === 1) {
        // Another command finds the running server instead of opening the data directory twice.
        const apply = await runCli(["campaign", "apply", "examples/rongchang-2022.yaml"], { ...env, DATABASE_URL: "" });
        expect(apply.code, apply.stderr).toBe(0);
        expect(apply.stderr).toContain(`内置数据库 PGlite ${running.database}`);
        const client = new pg.Client({ connectionString: running.database });
        await client.connect();
        const { rows } = await client.query("select distinct campaign as slug from dashboard.mailboxes order by 1");
        await client.end();
        expect(rows.map((r) => r.slug)).toEqual(expect.arrayContaining(["demo", "rongchang-2022"]));
      }
      child.kill("SIGTERM");
      const code = await started.exited;
      expect(code, started.output().slice(-3000)).toBe(0);
    }
    expect((await readdir(join(dir, "pgdata"))).length).toBeGreaterThan(0);
  }, 600_000); // a bound for a hang: whole processes install, migrate and start here
});
