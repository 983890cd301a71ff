/**
 * `pnpm start` runs the compiled JavaScript in dist/, not the TypeScript through tsx: no
 * transpiler in the process, so it starts in well under 2 s and idles ~100 MB lighter. This
 * script runs first and builds dist/ when it is missing or older than any file it is built
 * from, so an edit is never silently left out. It runs on plain node (Node 24 strips the types)
 * and takes a few milliseconds when dist/ is up to date.
 *
 * A rebuild replaces dist/ as a whole: a `baosong` process already running from it should be
 * restarted, since its roles load chunks from dist/ when first needed.
 */
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";

/** What the bundle is made from: our packages' sources and manifests, the lockfile, the build itself. */
const SOURCE_FILES = ["package.json", "pnpm-lock.yaml", "scripts/build.ts"];
const WORKSPACE_DIRS = ["packages", "services"];

/** The newest modification time (ms) among the files and folders dist/ is built from. */
export async function newestSourceTime(root: string): Promise<number> {
  let newest = 0;
  for (const file of SOURCE_FILES) newest = Math.max(newest, await mtimeOf(join(root, file)));
  for (const workspace of WORKSPACE_DIRS) {
    for (const pkg of await listDir(join(root, workspace))) {
      newest = Math.max(newest, await mtimeOf(join(root, workspace, pkg, "package.json")));
      newest = Math.max(newest, await newestUnder(join(root, workspace, pkg, "src")));
    }
  }
  return newest;
}

/** True when dist/baosong.js exists and no source is newer than it. */
export async function distIsFresh(root: string): Promise<boolean> {
  const built = await mtimeOf(join(root, "dist", "baosong.js"));
  return built > 0 && built >= (await newestSourceTime(root));
}

/**
 * Builds dist/ unless it is fresh. Built beside it and swapped in, so a second `pnpm start`
 * racing this one never runs a half-written bundle.
 */
export async function ensureDist(root: string): Promise<"fresh" | "built"> {
  if (await distIsFresh(root)) return "fresh";
  // esbuild loads only to build: a fresh dist/ starts without it (and without devDependencies).
  const { buildDist } = await import("./build.ts");
  const staging = join(root, ".baosong", `dist-building-${process.pid}`);
  await mkdir(join(root, ".baosong"), { recursive: true });
  await buildDist(staging);
  const dist = join(root, "dist");
  await rm(dist, { recursive: true, force: true });
  await rename(staging, dist);
  return "built";
}

/** A folder's newest entry, folders included: deleting a file changes its folder's time. */
async function newestUnder(dir: string): Promise<number> {
  let newest = await mtimeOf(dir);
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? await newestUnder(path) : await mtimeOf(path));
  }
  return newest;
}

async function listDir(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && e.name !== "node_modules").map((e) => e.name);
}

/** 0 for a file that is not there. */
async function mtimeOf(path: string): Promise<number> {
  return (await stat(path).catch(() => null))?.mtimeMs ?? 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = resolve(import.meta.dirname, "..");
  if ((await ensureDist(root)) === "built") process.stderr.write("dist/ built: the sources were newer than it\n");
}
