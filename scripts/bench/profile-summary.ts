import { readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { SourceMap } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Where the CPU time of a run went: V8 .cpuprofile files (one per thread, `--cpu-prof`)
 * summed by self time per area — our packages (packages/<x>, services/<x>, read back through
 * the bundle's source maps, since dist loses the paths), npm packages by name, GC, and
 * idle/program. Time in node's own modules and native code (a `writev`, a hash) is charged to
 * the nearest caller that is ours or an npm package, and shown apart as its "node/native"
 * part: "node:internal 20%" says nothing about who asked for the work.
 */
export interface CpuProfile {
  /** Microseconds on the monotonic clock (the same clock as process.hrtime on Linux). */
  startTime?: number;
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; children?: number[] }[];
  samples?: number[];
  timeDeltas?: number[];
}

export interface AreaTime {
  area: string;
  ms: number;
  /** Of `ms`, the time spent in node's modules and native code on this area's behalf. */
  nodeMs: number;
  /** Share of all sampled time, idle included. */
  pct: number;
  /** Share of the busy time (idle excluded). */
  busyPct: number;
}

export interface ProfileSummary {
  totalMs: number;
  busyMs: number;
  areas: AreaTime[];
  functions: { name: string; area: string; ms: number; busyPct: number }[];
}

export const IDLE = "(idle)";

/** Maps a generated position to its original source path; null when there is no map. */
export type SourceLookup = (url: string, line: number, column: number) => string | null;

/**
 * `sinceUs` (monotonic µs, process.hrtime.bigint() / 1000n) drops the samples before it: the
 * start-up, which the start-up row measures on its own.
 */
export function summarizeProfiles(profiles: CpuProfile[], lookup: SourceLookup = () => null, sinceUs = 0): ProfileSummary {
  const byArea = new Map<string, { ms: number; nodeMs: number }>();
  const byFunction = new Map<string, { area: string; ms: number }>();
  for (const profile of profiles) {
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const selfArea = memo((id: number) => areaOfFrame(nodes.get(id)!.callFrame, lookup));
    const chargedArea = memo((id: number): string => {
      const own = selfArea(id);
      if (!isNodeOrNative(own)) return own;
      for (let up = parent.get(id); up !== undefined; up = parent.get(up)) {
        const a = selfArea(up);
        if (isCode(a)) return a;
      }
      return own;
    });
    const samples = profile.samples ?? [];
    const deltas = profile.timeDeltas ?? [];
    let at = profile.startTime ?? 0;
    for (let i = 0; i < samples.length; i++) {
      at += deltas[i] ?? 0;
      const node = nodes.get(samples[i]!);
      if (!node || at < sinceUs) continue;
      // A sample's time is the gap to the next sample (V8 records the gap before each one).
      const ms = Math.max(0, deltas[i + 1] ?? deltas[i] ?? 0) / 1000;
      const own = selfArea(node.id);
      const area = chargedArea(node.id);
      const a = byArea.get(area) ?? { ms: 0, nodeMs: 0 };
      a.ms += ms;
      if (isNodeOrNative(own)) a.nodeMs += ms;
      byArea.set(area, a);
      const fn = `${node.callFrame.functionName || "(anonymous)"} ${shortUrl(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
      const f = byFunction.get(fn) ?? { area: own, ms: 0 };
      f.ms += ms;
      byFunction.set(fn, f);
    }
  }
  const totalMs = [...byArea.values()].reduce((sum, a) => sum + a.ms, 0);
  const busyMs = totalMs - (byArea.get(IDLE)?.ms ?? 0);
  const pct = (ms: number, of: number) => (of > 0 ? (100 * ms) / of : 0);
  const areas = [...byArea.entries()]
    .map(([area, { ms, nodeMs }]) => ({ area, ms, nodeMs, pct: pct(ms, totalMs), busyPct: area === IDLE ? 0 : pct(ms, busyMs) }))
    .sort((a, b) => b.ms - a.ms);
  const functions = [...byFunction.entries()]
    .filter(([, f]) => f.area !== IDLE)
    .map(([name, f]) => ({ name, area: f.area, ms: f.ms, busyPct: pct(f.ms, busyMs) }))
    .sort((a, b) => b.ms - a.ms);
  return { totalMs, busyMs, areas, functions };
}

const NATIVE = "(native/builtins)";

function isNodeOrNative(area: string): boolean {
  return area === NATIVE || area.startsWith("node:");
}

/** Ours or an npm package: a caller the time can be charged to. */
function isCode(area: string): boolean {
  return !area.startsWith("(") && !area.startsWith("node:") && area !== "GC";
}

function memo<T>(f: (id: number) => T): (id: number) => T {
  const cache = new Map<number, T>();
  return (id) => {
    let v = cache.get(id);
    if (v === undefined) {
      v = f(id);
      cache.set(id, v);
    }
    return v;
  };
}

/** The area a frame belongs to: GC, idle, node's modules, an npm package, or one of ours. */
export function areaOfFrame(frame: CpuProfile["nodes"][number]["callFrame"], lookup: SourceLookup): string {
  const { functionName, url } = frame;
  if (functionName === "(garbage collector)") return "GC";
  if (functionName === "(idle)") return IDLE;
  if (functionName === "(program)") return "(program: V8 and native code outside JS)";
  if (functionName === "(root)") return "(root)";
  if (!url) return NATIVE;
  if (url.startsWith("node:")) return `node:${url.slice(5).split("/")[0]}`;
  const original = lookup(url, frame.lineNumber, frame.columnNumber) ?? url;
  return areaOfPath(original);
}

/** packages/<x> and services/<x> for ours; the package name for node_modules; else the path. */
export function areaOfPath(path: string): string {
  // pnpm's store names the package whatever a bundled package's own source map says: drizzle-orm's
  // maps to `node_modules/src/entity.ts` once bundled, so `.pnpm/<name>@<version>` is the truth.
  const store = /\/\.pnpm\/(@?[^@/]+)@/.exec(path);
  if (store) return store[1]!.replace("+", "/");
  const nm = path.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const parts = path.slice(nm + "/node_modules/".length).split("/");
    return parts[0]!.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const ours = /(?:^|\/)((?:packages|services)\/[^/]+)\//.exec(path);
  if (ours) return ours[1]!;
  return shortUrl(path);
}

function shortUrl(url: string): string {
  return url.replace(/^file:\/\//, "").replace(/^.*\/(node_modules\/)/, "$1");
}

/** Source-map look-ups for the bundle's files (their `.map` beside them), cached per file. */
export function sourceMapLookup(): SourceLookup {
  const maps = new Map<string, { map: SourceMap; dir: string } | null>();
  return (url, line, column) => {
    if (!url.startsWith("file://") || url.includes("/node_modules/")) return null;
    const file = fileURLToPath(url);
    let entry = maps.get(file);
    if (entry === undefined) {
      entry = null;
      try {
        const payload = JSON.parse(readFileSync(`${file}.map`, "utf8"));
        entry = { map: new SourceMap(payload), dir: dirname(file) };
      } catch {
        // no map: not a bundle file, keep its own path
      }
      maps.set(file, entry);
    }
    if (!entry) return null;
    const found = entry.map.findEntry(line, column) as { originalSource?: string };
    if (!found?.originalSource) return null;
    const source = found.originalSource.startsWith("file://") ? fileURLToPath(found.originalSource) : resolve(entry.dir, found.originalSource);
    return source;
  };
}

export interface ThreadTime {
  /** The profile file: node names them CPU.<date>.<pid>.<thread id>.<seq>.cpuprofile (thread 0 is the main one). */
  file: string;
  busyMs: number;
  totalMs: number;
}

/** Every .cpuprofile in `dir` (one per process and thread), summarized together and per thread. */
export async function summarizeProfileDir(dir: string, sinceUs = 0): Promise<ProfileSummary & { files: number; threads: ThreadTime[] }> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".cpuprofile")).sort();
  // Node writes the profile on a clean exit only: none means the process had to be killed.
  if (!files.length) throw new Error(`no .cpuprofile in ${dir}: Baosong did not exit cleanly on SIGTERM`);
  const profiles = await Promise.all(files.map(async (f) => JSON.parse(await readFile(join(dir, f), "utf8")) as CpuProfile));
  const lookup = sourceMapLookup();
  // Per thread, so the idle of a mostly waiting parser thread is not read as the main thread's.
  const threads = profiles.map((p, i) => {
    const one = summarizeProfiles([p], lookup, sinceUs);
    return { file: files[i]!, busyMs: one.busyMs, totalMs: one.totalMs };
  });
  return { ...summarizeProfiles(profiles, lookup, sinceUs), files: files.length, threads };
}

/** "pid 123 main" or "pid 123 thread 1" from node's CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile. */
export function threadName(file: string): string {
  const m = /^CPU\.\d+\.\d+\.(\d+)\.(\d+)\.\d+\.cpuprofile$/.exec(file);
  if (!m) return file;
  return `pid ${m[1]} ${m[2] === "0" ? "main" : `thread ${m[2]}`}`;
}

/** A markdown table of the top areas, and of the top functions. */
export function formatProfile(s: ProfileSummary & { threads?: ThreadTime[] }, top = 15): string {
  const fmt = (x: number) => x.toFixed(1);
  const threads = (s.threads ?? []).map((t) => `${threadName(t.file)} ${fmt(t.busyMs / 1000)} s busy of ${fmt(t.totalMs / 1000)} s`);
  const lines = [
    `CPU profile: ${fmt(s.busyMs / 1000)} s busy of ${fmt(s.totalMs / 1000)} s sampled (all threads${threads.length ? ` — ${threads.join("; ")}` : ""}).`,
    "Self time per area; time in node's",
    "modules and native code is charged to the nearest caller that is ours or an npm package (its own column says how much);",
    "node:* and (native/builtins) rows left are work with no package on the stack: stream and timer callbacks, lazy module loading.",
    "",
    "| area | self s | of which node/native s | % of busy | % of all |",
    "|---|---:|---:|---:|---:|",
    ...s.areas
      .slice(0, top)
      .map((a) => `| ${a.area} | ${fmt(a.ms / 1000)} | ${fmt(a.nodeMs / 1000)} | ${a.area === IDLE ? "—" : fmt(a.busyPct)} | ${fmt(a.pct)} |`),
    "",
    "| top functions (self) | area | self s | % of busy |",
    "|---|---|---:|---:|",
    ...s.functions.slice(0, 10).map((f) => `| \`${f.name}\` | ${f.area} | ${fmt(f.ms / 1000)} | ${fmt(f.busyPct)} |`),
  ];
  return lines.join("\n");
}
