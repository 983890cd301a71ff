/**
 * `pnpm build`: the `baosong` command as JavaScript in dist/, for production and the Docker
 * image (development runs the TypeScript through tsx).
 *
 * Our own packages are bundled, and drizzle-orm and zod with them (see BUNDLED); every other npm
 * package stays external and is loaded from node_modules, so native and WebAssembly parts
 * (PGlite, pdf.js, 7-Zip) keep their own files. Each external the bundle imports must be a
 * dependency of the top-level package.json, or a production install would miss it: the build
 * fails and names it.
 *
 *   dist/baosong.js        the CLI (bin: baosong); commands load as chunks (dist/*-HASH.js) when they run
 *   dist/parse-thread.js   the document parser's worker thread
 */
import { chmod, readFile, rm } from "node:fs/promises";
import { builtinModules } from "node:module";
import { join, resolve } from "node:path";
import { build, type Plugin } from "esbuild";

const root = resolve(import.meta.dirname, "..");

export async function buildDist(outdir = join(root, "dist")): Promise<{ outdir: string; externals: string[] }> {
  const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as { version: string; dependencies?: Record<string, string> };
  const externals = new Set<string>();
  await rm(outdir, { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    entryPoints: { baosong: "services/cli/src/main.ts", "parse-thread": "packages/documents/src/parse-thread.ts" },
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node24",
    sourcemap: "linked",
    // Chunks sit beside the entries: the parser thread is found next to the module that starts it.
    chunkNames: "[name]-[hash]",
    define: { BAOSONG_VERSION: JSON.stringify(pkg.version) },
    plugins: [externalPackages(externals)],
    logLevel: "warning",
  });
  const declared = new Set(Object.keys(pkg.dependencies ?? {}));
  const missing = [...externals].filter((name) => !declared.has(name)).sort();
  if (missing.length) {
    throw new Error(`the bundle imports packages that package.json does not list under "dependencies": ${missing.join(", ")}`);
  }
  await chmod(join(outdir, "baosong.js"), 0o755);
  return { outdir, externals: [...externals].sort() };
}

/**
 * npm packages compiled into the bundle rather than loaded from node_modules: pure ES modules
 * without dependencies or files of their own, many small modules each. Node's loader pays for
 * every module it resolves from node_modules (drizzle-orm's 180 KB `exports` map is read again
 * for each of its hundred modules): loaded from there, drizzle-orm alone costs ~0.4 s and
 * ~90 MB of RSS at start-up, bundled ~0.08 s and ~10 MB; zod ~10 MB less bundled.
 */
const BUNDLED = new Set(["drizzle-orm", "zod"]);

/** Bare imports of npm packages stay imports; `@baosong/*` (our TypeScript) and BUNDLED are bundled. */
function externalPackages(seen: Set<string>): Plugin {
  const builtins = new Set(builtinModules);
  return {
    name: "external-packages",
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith("node:") || builtins.has(args.path)) return { path: args.path, external: true };
        if (args.path.startsWith("@baosong/")) return undefined;
        const parts = args.path.split("/");
        const name = args.path.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!;
        if (BUNDLED.has(name)) return undefined;
        seen.add(name);
        return { path: args.path, external: true };
      });
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { outdir, externals } = await buildDist(process.argv[2] ? resolve(process.argv[2]) : undefined);
  process.stdout.write(`built ${outdir} (external: ${externals.join(", ")})\n`);
}
