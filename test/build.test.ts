import { randomBytes } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultFileReadLimits, officeTypes, readFileContent } from "@baosong/documents";
import { buildDist } from "../scripts/build.ts";
import { adminQuery, adminUrl, withDatabase } from "./support/database.ts";
import { repoRoot, runProcess } from "./support/cli.ts";

/**
 * `pnpm build` makes the production form of Baosong: the CLI and the parser thread as
 * JavaScript that runs on plain `node`, from any working directory, with no tsx.
 */
describe("the built baosong (dist/)", () => {
  const outdir = join(repoRoot, ".baosong", `dist-test-${randomBytes(4).toString("hex")}`);
  const database = `baosong_dist_${randomBytes(4).toString("hex")}`;
  let externals: string[] = [];

  beforeAll(async () => {
    ({ externals } = await buildDist(outdir));
  });
  afterAll(async () => {
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

  it("runs the document parser's thread from its built file", async () => {
    const bytes = await readFile(join(repoRoot, "test/fixtures/forms/rongchang-stats.xlsx"));
    const worker = new Worker(join(outdir, "parse-thread.js"));
    try {
      const reply = await new Promise<{ reading?: unknown; error?: string }>((resolve, reject) => {
        worker.on("message", (m: { ready?: boolean; reading?: unknown; error?: string }) => {
          if (m.ready) worker.postMessage({ id: 1, bytes: new Uint8Array(bytes), mediaType: officeTypes.xlsx, limits: defaultFileReadLimits });
          else resolve(m);
        });
        worker.once("error", reject);
      });
      expect(reply.error).toBeUndefined();
      expect(reply.reading).toEqual(await readFileContent(bytes, officeTypes.xlsx, defaultFileReadLimits));
    } finally {
      await worker.terminate();
    }
  });
});
