import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { JobQueues } from "@baosong/queue";
import { repoRoot } from "../support/cli.ts";

/**
 * `pnpm start` without DATABASE_URL falls back to an embedded PGlite: the migrations and a
 * campaign apply against it, the roles run, and SIGTERM stops them cleanly.
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
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
      const deadline = Date.now() + 60_000;
      while (!out.includes('"msg":"baosong running"')) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`did not start (run ${run}):\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const lines = out.split("\n").filter(Boolean).map((l) => JSON.parse(l));
      expect(lines.find((l) => l.msg === "campaign applied")).toMatchObject({ campaign: "demo" });
      expect(lines.find((l) => l.msg === "baosong running")).toMatchObject({ embeddedDatabase: true, roles: ["worker", "sender"] });
      child.kill("SIGTERM");
      const code = await exited;
      expect(code, out.slice(-3000)).toBe(0);
    }
    expect((await readdir(join(dir, "pgdata"))).length).toBeGreaterThan(0);
  });
});
