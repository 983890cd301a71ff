import { idleWatcher } from "./ceilings.ts";
import { smallMail } from "./corpus.ts";
import { type Log, PIPELINE_ROLES } from "./drain.ts";
import type { Measurement } from "./measurement.ts";
import { percentile } from "./stats.ts";
import { createRun, sleep, waitUntil, type BenchServers } from "./world.ts";

/** Row 6: one mail every 2 s while Baosong runs; APPEND → 回执 at the SMTP peer. */
export async function steadyRows(servers: BenchServers, _repeats: number, log: Log): Promise<Measurement[]> {
  const seconds = Number(process.env.BENCH_STEADY_SECONDS ?? 60);
  const count = Math.max(2, Math.round(seconds / 2));
  const run = await createRun(servers, "steady");
  const proc = run.launch(PIPELINE_ROLES);
  try {
    await proc.running;
    // Let the poller finish its first sweep and settle into IDLE before the clock starts.
    await sleep(3_000);
    const watcher = await idleWatcher(servers, run.mailboxUser);
    const appender = await run.appender();
    const issued = new Map<string, number>();
    try {
      const start = Date.now();
      for (let n = 1; n <= count; n++) {
        await sleep(Math.max(0, start + (n - 1) * 2_000 - Date.now()));
        const mail = smallMail(run.name, n);
        issued.set(mail.messageId, await appender.append(mail));
      }
      let answered = 0;
      await waitUntil(
        () => {
          const map = servers.sink.answered();
          answered = [...issued.keys()].filter((id) => map.has(id)).length;
          return answered >= count && watcher.seen.size >= count;
        },
        120_000,
        () => `steady: ${answered} of ${count} 回执, ${watcher.seen.size} seen by the IDLE client`,
        100,
      );
    } finally {
      await appender.close();
      await watcher.close();
    }
    const map = servers.sink.answered();
    const latency = [...issued].map(([id, at]) => (map.get(id)! - at) / 1000);
    const floor = [...issued].map(([id, at]) => (watcher.seen.get(id)! - at) / 1000);
    log(
      `row 6: ${count} mails, 回执 p50 ${percentile(latency, 50).toFixed(2)} s p95 ${percentile(latency, 95).toFixed(2)} s; IDLE ceiling p50 ${percentile(floor, 50).toFixed(2)} s`,
    );
    return [
      {
        row: "6",
        figure: `one mail every 2 s for ${seconds} s: APPEND → 回执 at the SMTP peer, p50 (ceiling: APPEND → parsed by an IDLE client)`,
        unit: "s",
        values: [percentile(latency, 50)],
        ceiling: { label: "IDLE p50", values: [percentile(floor, 50)] },
        ratio: "multiple",
        target: "—",
        note: `${count} samples in one run`,
      },
      {
        row: "6b",
        figure: "same, p95",
        unit: "s",
        values: [percentile(latency, 95)],
        ceiling: { label: "IDLE p95", values: [percentile(floor, 95)] },
        ratio: "multiple",
        target: "< 2 s",
        note: `${count} samples in one run`,
      },
    ];
  } finally {
    await proc.stop();
    await run.close();
  }
}
