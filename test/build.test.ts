import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultFileReadLimits, officeTypes, readFileContent } from "@baosong/documents";
import { JobQueues } from "@baosong/queue";
import { buildDist } from "../scripts/build.ts";
import { distIsFresh, ensureDist } from "../scripts/ensure-dist.ts";
import { adminQuery, adminUrl, withDatabase } from "./support/database.ts";
import { repoRoot, runProcess, untilPrinted } from "./support/cli.ts";
import { dropQueues } from "./support/redis.ts";

/**
 * `pnpm build` makes the production form of Baosong: the CLI and the parser thread as
 * JavaScript that runs on plain `node`, from any working directory, with no tsx.
 */
describe("the built baosong (dist/)", () => {
  const outdir = join(repoRoot, ".baosong", `dist-test-${randomBytes(4).toString("hex")}`);
  const database = `baosong_dist_${randomBytes(4).toString("hex")}`;
  const prefix = `bsdist-${randomBytes(4).toString("hex")}`;
  const dirs: string[] = [];
  let externals: string[] = [];

  beforeAll(async () => {
    ({ externals } = await buildDist(outdir));
  });
  afterAll(async () => {
    const queues = new JobQueues({ redisUrl: "redis://127.0.0.1:6379", prefix });
    await dropQueues(queues, "redis://127.0.0.1:6379", prefix, ["ingest", "send", "schedule"]);
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    await rm(outdir, { recursive: true, force: true });
    await adminQuery(`drop database if exists ${database} with (force)`);
  });

  // No tsx anywhere: plain node, started outside the repository.
  const run = (args: string[], env: Record<string, string> = {}) =>
    runProcess(process.execPath, [join(outdir, "baosong.js"), ...args], {
      cwd: tmpdir(),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: "warn", ...env },
    });

  it("keeps npm packages external, each one a dependency of package.json", async () => {
    const pkg = JSON.parse(await readFile(join(repoRoot, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    expect(externals).toEqual(expect.arrayContaining(["bullmq", "imapflow", "mailparser", "pg"]));
    for (const name of externals) expect(Object.keys(pkg.dependencies)).toContain(name);
    expect(externals.some((e) => e.startsWith("@baosong/"))).toBe(false);
  });

  it("answers --version and --help", async () => {
    const pkg = JSON.parse(await readFile(join(repoRoot, "package.json"), "utf8")) as { version: string };
    const v = await run(["--version"]);
    expect(v.stdout.trim()).toBe(`baosong ${pkg.version} (node ${process.version})`);
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("campaign apply FILE");
  });

  it("finds the migrations and applies a campaign from another working directory", async () => {
    const url = withDatabase(adminUrl, database);
    const migrate = await run(["migrate"], { DATABASE_URL: url });
    expect(migrate.code, migrate.stderr).toBe(0);
    const apply = await run(["campaign", "apply", join(repoRoot, "examples/demo.yaml")], { DATABASE_URL: url });
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toContain("活动 demo 已载入");
  });

  /** One file read in the built parser thread, as the worker has it read. */
  async function parseInBuiltThread(bytes: Buffer, mediaType: string): Promise<{ reading?: unknown; error?: string }> {
    const worker = new Worker(join(outdir, "parse-thread.js"));
    try {
      return await new Promise((resolve, reject) => {
        worker.on("message", (m: { ready?: boolean; reading?: unknown; error?: string }) => {
          if (m.ready) worker.postMessage({ id: 1, bytes: new Uint8Array(bytes), mediaType, limits: defaultFileReadLimits });
          else resolve(m);
        });
        worker.once("error", reject);
      });
    } finally {
      await worker.terminate();
    }
  }

  it("runs the document parser's thread from its built file", async () => {
    const bytes = await readFile(join(repoRoot, "test/fixtures/forms/rongchang-stats.xlsx"));
    const reply = await parseInBuiltThread(bytes, officeTypes.xlsx);
    expect(reply.error).toBeUndefined();
    expect(reply.reading).toEqual(await readFileContent(bytes, officeTypes.xlsx, defaultFileReadLimits));
  });

  it("reads a PDF in the built parser thread: pdf.js loads from its own chunk on first use", async () => {
    const bytes = await readFile(join(repoRoot, "test/fixtures/corpus/files/af-law.pdf"));
    const reply = await parseInBuiltThread(bytes, officeTypes.pdf);
    expect(reply.error).toBeUndefined();
    expect(reply.reading).toEqual(await readFileContent(bytes, officeTypes.pdf, defaultFileReadLimits));
  });

  it("starts every role from the built files, reaches running, and stops on SIGTERM", async () => {
    const dir = await mkdtemp(join(tmpdir(), "baosong-dist-start-"));
    dirs.push(dir);
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: withDatabase(adminUrl, database),
      REDIS_URL: "redis://127.0.0.1:6379",
      BAOSONG_QUEUE_PREFIX: prefix,
      BAOSONG_BLOB_DIR: join(dir, "blobs"),
      BAOSONG_CAMPAIGNS: join(repoRoot, "examples/demo.yaml"),
      BAOSONG_WEB_PORT: "0",
      LOG_LEVEL: "info",
    };
    // Plain node outside the repository: each role's modules load from dist/ chunks as it starts.
    const child = spawn(process.execPath, [join(outdir, "baosong.js"), "start"], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    const started = await untilPrinted(child, '"msg":"baosong running"');
    const running = started
      .output()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { msg: string; roles?: string[] })
      .find((l) => l.msg === "baosong running");
    expect(running?.roles).toEqual(["poller", "worker", "sender", "scheduler", "web"]);
    child.kill("SIGTERM");
    expect(await started.exited, started.output().slice(-3000)).toBe(0);
    expect(started.output()).toContain('"msg":"shutting down"');
  });
});

describe("pnpm start's freshness check (scripts/ensure-dist.ts)", () => {
  let root = "";
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  const write = async (path: string, at: number) => {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), "x");
    await utimes(join(root, path), at / 1000, at / 1000);
  };

  it("rebuilds when dist/ is missing or a source, a manifest or a deleted file is newer than it", async () => {
    root = await mkdtemp(join(tmpdir(), "baosong-ensure-dist-"));
    const t = Date.now() - 3_600_000;
    await write("package.json", t);
    await write("packages/core/package.json", t);
    await write("packages/core/src/forms/stats-form.ts", t);
    await write("services/sender/src/sender.ts", t);
    for (const dir of ["packages/core/src/forms", "packages/core/src", "services/sender/src"]) await utimes(join(root, dir), t / 1000, t / 1000);
    expect(await distIsFresh(root)).toBe(false);

    await write("dist/baosong.js", t + 60_000);
    expect(await distIsFresh(root)).toBe(true);
    expect(await ensureDist(root)).toBe("fresh");

    await write("services/sender/src/sender.ts", t + 120_000);
    expect(await distIsFresh(root)).toBe(false);
    await write("dist/baosong.js", t + 180_000);
    expect(await distIsFresh(root)).toBe(true);

    // A module removed: only its folder's time says so.
    await utimes(join(root, "packages/core/src/forms"), (t + 240_000) / 1000, (t + 240_000) / 1000);
    expect(await distIsFresh(root)).toBe(false);
    await write("dist/baosong.js", t + 300_000);
    await write("packages/core/package.json", t + 360_000);
    expect(await distIsFresh(root)).toBe(false);
  });
});
