import { execFileSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { formatProfile, summarizeProfileDir } from "./profile-summary.ts";
import { jsonLine, markdownTable, type Measurement } from "./measurement.ts";
import { digestRows } from "./digest.ts";
import type { Log } from "./drain.ts";
import { burstRows, profiledRun, roleRows, scaleRows, typicalRows } from "./pipeline-rows.ts";
import { startupRows } from "./startup-rows.ts";
import { steadyRows } from "./steady-row.ts";
import { BENCH_PER_MINUTE, killAllLaunched, startServers, type BenchServers } from "./world.ts";

/**
 * `pnpm bench e2e [--only ROWS] [--readme]`: issue #11's table, end to end. Builds dist,
 * starts a private Postgres, Redis, Dovecot and SMTP sink, and measures Baosong as it ships
 * against the ceiling measured in the same run. ROWS is a comma list of 1–9, 3r and `profile`;
 * --readme puts the figures of a full run into README.md's Performance section.
 *
 *   BENCH_REPEATS=n        repeats of every row (default: 3, or less where a row is long)
 *   BENCH_MAILS=300        typical mails (rows 1, 2, profile)
 *   BENCH_BURST=1000       small mails of the burst (rows 3, 3r, 4, 5)
 *   BENCH_STEADY_SECONDS=60, BENCH_SCHOOLS=10000, BENCH_IDLE_SECONDS=10
 *   BENCH_LIMIT_SECONDS=600  how long a drain may take before the row fails
 *   BENCH_KEEP=1           keep each run's logs (under the bench's temp directory)
 */
interface Group {
  rows: string[];
  /** Repeats unless BENCH_REPEATS says otherwise: fewer where one repeat takes minutes. */
  repeats: number;
  measure(servers: BenchServers, repeats: number, log: Log): Promise<Measurement[]>;
}

const groups: Group[] = [
  { rows: ["8", "9"], repeats: 3, measure: startupRows },
  { rows: ["1", "2"], repeats: 3, measure: typicalRows },
  { rows: ["3", "4"], repeats: 3, measure: burstRows },
  { rows: ["3r"], repeats: 3, measure: roleRows },
  { rows: ["5"], repeats: 1, measure: scaleRows },
  // One run of 30 mails: the samples are the repetition.
  { rows: ["6"], repeats: 1, measure: steadyRows },
  { rows: ["7"], repeats: 3, measure: digestRows },
];

export function parseOnly(argv: string[]): Set<string> | null {
  const i = argv.indexOf("--only");
  if (i < 0) return null;
  const value = argv[i + 1];
  if (!value) throw new Error("--only needs a row list, e.g. --only 1,6,profile");
  const known = new Set([...groups.flatMap((g) => g.rows), "profile"]);
  const wanted = new Set(value.split(",").map((s) => s.trim()));
  for (const w of wanted) if (!known.has(w)) throw new Error(`--only: no row ${w} (rows: ${[...known].join(", ")})`);
  return wanted;
}

export async function runE2e(argv: string[]): Promise<number> {
  const only = parseOnly(argv);
  const forced = process.env.BENCH_REPEATS ? Number(process.env.BENCH_REPEATS) : null;
  const started = Date.now();
  const log: Log = (line) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
  const machine = `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
  const context = { machine, commit: gitCommit() };
  log(`machine: ${machine}`);
  log(`campaign smtp.per_minute = ${BENCH_PER_MINUTE}: the SMTP peer of the bench accepts everything`);
  let servers: BenchServers | null = null;
  // Ctrl-C: Postgres and Dovecot run as daemons and would outlive the bench; stop them too.
  const onSignal = () => {
    killAllLaunched();
    void (servers?.close() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const measurements: Measurement[] = [];
  const failures: string[] = [];
  let profile: string | null = null;
  servers = await startServers();
  try {
    for (const g of groups) {
      if (only && !g.rows.some((r) => only.has(r))) continue;
      try {
        for (const m of await g.measure(servers, forced ?? g.repeats, log)) {
          measurements.push(m);
          console.log(jsonLine(m, context));
        }
      } catch (err) {
        // A row that fails (a hang hits its bound) is reported; the other rows still run.
        killAllLaunched();
        const message = `rows ${g.rows.join("/")} failed: ${(err as Error).message}`;
        failures.push(message);
        log(message);
        console.log(JSON.stringify({ bench: "e2e", rows: g.rows, failed: (err as Error).message, ...context }));
      }
    }
    if (!only || only.has("profile")) {
      try {
        const { dir, sinceUs } = await profiledRun(servers, log);
        const summary = await summarizeProfileDir(dir, sinceUs);
        profile = `${formatProfile(summary)}\n\n(one run of row 1 with --cpu-prof, from "baosong running" to exit, start-up excluded; ${summary.files} profile files: one per process and thread)`;
        console.log(JSON.stringify({ bench: "e2e", profile: summary.areas.slice(0, 15), ...context }));
      } catch (err) {
        failures.push(`profile failed: ${(err as Error).message}`);
        log(failures.at(-1)!);
      }
    }
  } finally {
    await servers.close();
  }
  const figures = [
    `Machine: ${machine}; commit ${context.commit}. Campaign \`per_minute\`: ${BENCH_PER_MINUTE} (the bench's SMTP peer accepts everything).`,
    markdownTable(measurements),
    ...(profile ? [profile] : []),
  ].join("\n\n");
  console.log(`\n## Baosong end-to-end bench (issue #11)\n\n${figures}`);
  if (argv.includes("--readme")) {
    if (only || failures.length) log("--readme: README.md left as it was (only a full run without failures replaces its figures)");
    else await replaceReadmeFigures(figures, log);
  }
  if (failures.length) console.log(`\nFailed:\n${failures.map((f) => `- ${f.split("\n")[0]}`).join("\n")}`);
  log(`done in ${((Date.now() - started) / 60_000).toFixed(1)} min`);
  return failures.length ? 1 : 0;
}

const README_START = "<!-- pnpm bench e2e --readme: start -->";
const README_END = "<!-- pnpm bench e2e --readme: end -->";

/** The README text with the figures between its markers; null when it has no such block. */
export function withFigures(readme: string, figures: string): string | null {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) return null;
  return `${readme.slice(0, start + README_START.length)}\n${figures}\n${readme.slice(end)}`;
}

/** Puts the figures into the README's Performance section, nothing else. */
async function replaceReadmeFigures(figures: string, log: Log): Promise<void> {
  const path = join(import.meta.dirname, "../../README.md");
  const updated = withFigures(await readFile(path, "utf8"), figures);
  if (updated === null) {
    log(`--readme: README.md has no ${README_START} … ${README_END} block; figures not written`);
    return;
  }
  await writeFile(path, updated);
  log("--readme: README.md's figures replaced");
}

function gitCommit(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}
