import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cp, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { JobQueues } from "@baosong/queue";
import { repoRoot, runProcess, untilPrinted } from "./support/cli.ts";
import { adminQuery, adminUrl, withDatabase } from "./support/database.ts";

const run = promisify(execFile);

/** The node process below `pid` (children, grandchildren…) whose command line contains `text`. */
async function descendant(pid: number, text: string): Promise<number> {
  const { stdout } = await run("ps", ["-e", "-o", "pid=,ppid=,args="]);
  const rows = stdout
    .split("\n")
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
    .filter((m) => m !== null);
  const below = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [, p, parent] of rows) if (below.has(Number(parent)) && !below.has(Number(p))) grew = below.add(Number(p)) !== null;
  }
  // Not the `sh -c "node …"` that pnpm puts between: the node process itself.
  const found = rows.find(([, p, , args]) => below.has(Number(p)) && Number(p) !== pid && args!.includes(text) && !/^(\S*\/)?sh /.test(args!));
  if (!found) throw new Error(`no process below ${pid} runs ${text}`);
  return Number(found[1]);
}

/** The shell lines of the first ```sh block under a README heading, comments left to bash. */
function readmeSteps(readme: string, heading: string): string[] {
  const section = readme.slice(readme.indexOf(`\n${heading}\n`));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error(`no sh block under ${heading}`);
  return block.split("\n").filter((l) => l.trim() && !l.trim().startsWith("#"));
}

/**
 * The README's "Without Docker" lines, run as written in a fresh copy of the repository, as a
 * new user would. Only the environment is the test's own: a database and a queue prefix of
 * its own, so it shares nothing with other tests (real variables win over `.env`).
 */
describe("README: Without Docker", () => {
  const database = `baosong_readme_${randomBytes(4).toString("hex")}`;
  const prefix = `bsreadme-${randomBytes(4).toString("hex")}`;
  let dir = "";
  afterAll(async () => {
    const queues = new JobQueues({ redisUrl: "redis://127.0.0.1:6379", prefix });
    for (const name of ["ingest", "send", "schedule"]) await queues.queue(name).obliterate({ force: true });
    await queues.close();
    await adminQuery(`drop database if exists ${database} with (force)`);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("works line by line in a fresh copy", async () => {
    const steps = readmeSteps(await readFile(join(repoRoot, "README.md"), "utf8"), "## Without Docker");
    expect(steps.map((s) => s.split("#")[0]!.trim())).toEqual([
      "pnpm install",
      "cp .env.example .env",
      "pnpm baosong migrate",
      "pnpm baosong campaign apply examples/rongchang-2022.yaml",
      "pnpm baosong doctor",
      "pnpm start",
    ]);

    // A fresh copy: the files git knows (tracked or not ignored), as in a clean clone.
    dir = await mkdtemp(join(tmpdir(), "baosong-readme-"));
    const { stdout } = await run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 });
    for (const file of stdout.split("\0").filter(Boolean)) {
      await mkdir(dirname(join(dir, file)), { recursive: true });
      await cp(join(repoRoot, file), join(dir, file)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== "ENOENT") throw err; // deleted in the working tree, not yet in git
      });
    }
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      COREPACK_INTEGRITY_KEYS: "0",
      DATABASE_URL: withDatabase(adminUrl, database),
      BAOSONG_QUEUE_PREFIX: prefix,
      // The console of `pnpm start` on a port of its own, not the 8080 another run may hold.
      BAOSONG_WEB_PORT: "0",
      LOG_LEVEL: "info",
    };
    const sh = (line: string) => runProcess("bash", ["-c", line], { cwd: dir, env }).then((r) => ({ code: r.code, out: r.stdout + r.stderr }));

    for (const line of steps.slice(0, 4)) {
      const r = await sh(line);
      expect(r.code, `${line}\n${r.out.slice(-3000)}`).toBe(0);
    }
    const doctor = await sh(steps[4]!);
    expect(doctor.out).toMatch(/✓ PostgreSQL: 已连接 .*数据库结构为最新/);
    expect(doctor.out).toContain("✓ Redis");
    // The example's mailbox has no 授权码 in .env yet: that, and only that, is reported.
    const failures = doctor.out.split("\n").filter((l) => l.startsWith("✗"));
    expect(failures.length).toBeGreaterThan(0);
    for (const f of failures) expect(f).toMatch(/环境变量 \S+ 未设置/);

    // `pnpm start` runs until stopped: it must reach "running", then stop cleanly on SIGTERM.
    const child = spawn("bash", ["-c", `exec ${steps[5]!.split("#")[0]!.trim()}`], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const started = await untilPrinted(child, '"msg":"baosong running"').catch((err: Error) => {
      process.kill(-child.pid!, "SIGKILL");
      throw err;
    });
    // SIGTERM to Baosong's own process, as systemd or Docker would send it; pnpm then exits
    // with Baosong's exit code.
    const baosong = await descendant(child.pid!, "dist/baosong.js start");
    process.kill(baosong, "SIGTERM");
    expect(await started.exited, started.output().slice(-3000)).toBe(0);
    expect(started.output()).toContain('"msg":"shutting down"');
  }, 600_000); // a bound for a hang: whole processes install, migrate and start here
});
