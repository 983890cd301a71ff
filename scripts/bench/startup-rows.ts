import { execFileSync } from "node:child_process";
import type { Log } from "./drain.ts";
import type { Measurement } from "./measurement.ts";
import { descendantRunning, memory } from "./proc.ts";
import { createRun, repoRoot, sleep, type BenchServers } from "./world.ts";

/** Rows 8 and 9: launch → "baosong running", and RSS after 10 s idle; the built command, and `pnpm start` as a clerk types it. */
export async function startupRows(servers: BenchServers, repeats: number, log: Log): Promise<Measurement[]> {
  const idleSeconds = Number(process.env.BENCH_IDLE_SECONDS ?? 10);
  const run = await createRun(servers, "startup");
  const out: Measurement[] = [];
  try {
    for (const viaPnpm of [false, true]) {
      // A stale dist/ would be rebuilt inside the first launch: build it first, as after a `git pull` and one start.
      if (viaPnpm) execFileSync(process.execPath, ["scripts/ensure-dist.ts"], { cwd: repoRoot, stdio: "ignore" });
      const startMs: number[] = [];
      const idleMB: number[] = [];
      for (let r = 1; r <= repeats; r++) {
        // All roles (web too), as `baosong start` runs with no arguments.
        const p = run.launch([], { pnpmStart: viaPnpm });
        try {
          startMs.push((await p.running) - p.launchedAt);
          await sleep(idleSeconds * 1000);
          // Under pnpm the Baosong process is a grandchild (pnpm → sh → node); pnpm's own is not Baosong's memory.
          const pid = viaPnpm ? descendantRunning(p.pid, "dist/baosong.js") : p.pid;
          idleMB.push(pid === null ? Number.NaN : (memory(pid)?.rssMB ?? Number.NaN));
        } finally {
          await p.stop();
        }
        log(
          `row 8/9 ${viaPnpm ? "pnpm start" : "dist"} repeat ${r}: running after ${startMs.at(-1)} ms, ${Math.round(idleMB.at(-1)!)} MB after ${idleSeconds} s idle`,
        );
      }
      const what = viaPnpm ? "`pnpm start` (pnpm's own process excluded from memory)" : "`node dist/baosong.js start`";
      out.push(
        { row: viaPnpm ? "8b" : "8", figure: `start-up, launch → running: ${what}`, unit: "ms", values: startMs, target: "< 2000 ms" },
        { row: viaPnpm ? "9b" : "9", figure: `idle memory (VmRSS after ${idleSeconds} s): ${what}`, unit: "MB", values: idleMB, target: "< 150 MB" },
      );
    }
    return out;
  } finally {
    await run.close();
  }
}
