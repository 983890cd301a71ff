import type { Log } from "./drain.ts";
import type { Measurement } from "./measurement.ts";
import { memory } from "./proc.ts";
import { createRun, sleep, type BenchServers } from "./world.ts";

/** Rows 8 and 9: launch → "baosong running", and RSS after 10 s idle; built and through tsx. */
export async function startupRows(servers: BenchServers, repeats: number, log: Log): Promise<Measurement[]> {
  const idleSeconds = Number(process.env.BENCH_IDLE_SECONDS ?? 10);
  const run = await createRun(servers, "startup");
  const out: Measurement[] = [];
  try {
    for (const source of [false, true]) {
      const startMs: number[] = [];
      const idleMB: number[] = [];
      for (let r = 1; r <= repeats; r++) {
        // All roles (web too), as `baosong start` runs with no arguments.
        const p = run.launch([], { source });
        try {
          startMs.push((await p.running) - p.launchedAt);
          await sleep(idleSeconds * 1000);
          idleMB.push(memory(p.pid)?.rssMB ?? Number.NaN);
        } finally {
          await p.stop();
        }
        log(
          `row 8/9 ${source ? "pnpm start (tsx)" : "dist"} repeat ${r}: running after ${startMs.at(-1)} ms, ${Math.round(idleMB.at(-1)!)} MB after ${idleSeconds} s idle`,
        );
      }
      const what = source ? "`pnpm start` (node --import tsx, pnpm's own process excluded)" : "`node dist/baosong.js start`";
      out.push(
        { row: source ? "8b" : "8", figure: `start-up, launch → running: ${what}`, unit: "ms", values: startMs, target: "< 2000 ms" },
        { row: source ? "9b" : "9", figure: `idle memory (VmRSS after ${idleSeconds} s): ${what}`, unit: "MB", values: idleMB, target: "< 150 MB" },
      );
    }
    return out;
  } finally {
    await run.close();
  }
}
