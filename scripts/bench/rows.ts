import { join } from "node:path";
import { mkdir } from "node:fs/promises";
import { fetchParseCeiling, idleWatcher } from "./ceilings.ts";
import { benchRoster, smallMail, typicalMail, type BenchMail } from "./corpus.ts";
import { runDigestCeiling, runDigestPreview, seedSubmissions, measureProcess } from "./digest.ts";
import type { Measurement } from "./measurement.ts";
import { groupCpuSeconds, memory } from "./proc.ts";
import { percentile } from "./stats.ts";
import { createRun, sleep, waitUntil, type BenchRun, type BenchServers, type Launched } from "./world.ts";

/**
 * The rows of issue #11's table, each measured end to end against the bench servers. Every
 * wait is bounded: a Baosong that never files or never answers fails the row with what it
 * reached, it does not hang the bench.
 */
export const PIPELINE_ROLES = ["poller", "worker", "sender", "scheduler"];
const DRAIN_LIMIT_MS = Number(process.env.BENCH_LIMIT_SECONDS ?? 600) * 1000;

export type Log = (line: string) => void;

interface Drained {
  /** Launch → all filed, seconds. */
  filedSeconds: number;
  /** Launch → every 回执 at the SMTP peer, seconds (null when not waited for). */
  answeredSeconds: number | null;
  /** CPU seconds of all Baosong processes from "running" to done (start-up excluded). */
  cpuSeconds: number;
  /** When the last process was running, monotonic µs (to cut start-up out of a profile). */
  runningMonotonicUs: number;
  /** SPEC §8 as the bench sees it: empty when every mail was filed once and answered once. */
  anomalies: string[];
}

/** Launches the processes, waits for all of them to run, then for the mails to be filed (and answered). */
async function drain(
  servers: BenchServers,
  run: BenchRun,
  mails: readonly BenchMail[],
  launches: { roles: string[]; nodeArgs?: string[] }[],
  waitAnswers: boolean,
): Promise<Drained> {
  const procs: Launched[] = launches.map((l) => run.launch(l.roles, { nodeArgs: l.nodeArgs }));
  try {
    const launchedAt = Math.min(...procs.map((p) => p.launchedAt));
    await Promise.all(procs.map((p) => p.running));
    const cpuAtRunning = totalCpu(procs);
    let filed = 0;
    await waitUntil(
      async () => (filed = await run.filed()) >= mails.length,
      DRAIN_LIMIT_MS,
      () => `${run.name}: ${filed} of ${mails.length} mails filed`,
      100,
    );
    // The database's own time of the last filing, not when the bench looked.
    const filedAt = await run.lastFiledAt();
    let answeredAt: number | null = null;
    if (waitAnswers) {
      const ids = mails.map((m) => m.messageId);
      let answered = 0;
      answeredAt = await waitUntil(
        () => {
          const map = servers.sink.answered();
          answered = ids.filter((id) => map.has(id)).length;
          return answered >= ids.length;
        },
        DRAIN_LIMIT_MS,
        () => `${run.name}: ${answered} of ${ids.length} 回执 at the SMTP peer`,
        100,
      );
      // The time the last 回执 arrived, not when the bench looked.
      const map = servers.sink.answered();
      answeredAt = Math.max(...ids.map((id) => map.get(id)!));
    }
    const cpu = totalCpu(procs) - cpuAtRunning;
    const anomalies = await checkOnce(servers, run, mails, waitAnswers);
    return {
      filedSeconds: (filedAt - launchedAt) / 1000,
      answeredSeconds: answeredAt === null ? null : (answeredAt - launchedAt) / 1000,
      cpuSeconds: cpu,
      runningMonotonicUs: Math.max(...procs.map((p) => p.runningMonotonicUs())),
      anomalies,
    };
  } finally {
    for (const p of procs) await p.stop();
  }
}

/** Mails filed twice or not as `filed`, 回执 sent twice: a fast run that breaks SPEC §8 is no result. */
async function checkOnce(servers: BenchServers, run: BenchRun, mails: readonly BenchMail[], answers: boolean): Promise<string[]> {
  const { rows } = await run.pool.query(
    "select count(*)::int as total, count(distinct message_id)::int as once, (count(*) filter (where status <> 'filed'))::int as other from messages",
  );
  const found: string[] = [];
  const { total, once, other } = rows[0] as { total: number; once: number; other: number };
  if (total !== once) found.push(`${total - once} mails filed twice`);
  if (other) found.push(`${other} mails filed with a status other than filed`);
  if (answers) {
    const ids = new Set(mails.map((m) => m.messageId));
    const answered = servers.sink.arrivals.filter((a) => a.inReplyTo && ids.has(a.inReplyTo)).length;
    if (answered > ids.size) found.push(`${answered - ids.size} 回执 sent twice`);
  }
  return found;
}

/** Notes for a row: anomalies of any repeat. */
function noteOf(anomalies: string[]): string | undefined {
  return anomalies.length ? `SPEC §8: ${[...new Set(anomalies)].join("; ")}` : undefined;
}

function totalCpu(procs: Launched[]): number {
  return procs.reduce((sum, p) => sum + groupCpuSeconds(p.pid), 0);
}

const mailsOf = (make: (run: string, n: number) => BenchMail, run: string, count: number) => Array.from({ length: count }, (_, i) => make(run, i + 1));

/** Rows 1 and 2: typical mails, launch → filed and answered; CPU per mail. */
export async function typicalRows(servers: BenchServers, repeats: number, log: Log): Promise<Measurement[]> {
  const count = Number(process.env.BENCH_MAILS ?? 300);
  const rate: number[] = [];
  const ceilingRate: number[] = [];
  const cpu: number[] = [];
  const ceilingCpu: number[] = [];
  const anomalies: string[] = [];
  for (let r = 1; r <= repeats; r++) {
    const run = await createRun(servers, `typical${r}`);
    try {
      const mails = mailsOf(typicalMail, run.name, count);
      await run.append(mails);
      const a = await fetchParseCeiling(servers, run.mailboxUser);
      const d = await drain(servers, run, mails, [{ roles: PIPELINE_ROLES }], true);
      rate.push(count / d.answeredSeconds!);
      ceilingRate.push(a.mails / a.seconds);
      cpu.push((1000 * d.cpuSeconds) / count);
      ceilingCpu.push((1000 * a.cpuSeconds) / a.mails);
      anomalies.push(...d.anomalies);
      log(
        `row 1/2 repeat ${r}: ${count} typical mails (${mb(mails)} MB) filed in ${d.filedSeconds.toFixed(1)} s, answered in ${d.answeredSeconds!.toFixed(1)} s; ceiling A ${a.seconds.toFixed(1)} s`,
      );
    } finally {
      await run.close();
    }
  }
  return [
    {
      row: "1",
      figure: `${count} typical mails (form or report + 1–3 photos), launch → all filed and 回执 at the SMTP peer`,
      unit: "mails/s",
      values: rate,
      ceiling: { label: "A", values: ceilingRate },
      ratio: "share-rate",
      target: "≥ 0.5",
      note: noteOf(anomalies),
    },
    {
      row: "2",
      figure: "CPU per mail in the Baosong process (all threads, after start-up)",
      unit: "ms",
      values: cpu,
      ceiling: { label: "A", values: ceilingCpu },
      ratio: "share-time",
      target: "≥ 0.5",
    },
  ];
}

/** Rows 3 and 4: a deadline burst of small mails, launch → filed, and → all 回执. */
export async function burstRows(servers: BenchServers, repeats: number, log: Log): Promise<Measurement[]> {
  const count = Number(process.env.BENCH_BURST ?? 1000);
  const filed: number[] = [];
  const answered: number[] = [];
  const ceilingA: number[] = [];
  const ceilingB: number[] = [];
  const anomalies: string[] = [];
  for (let r = 1; r <= repeats; r++) {
    const run = await createRun(servers, `burst${r}`);
    try {
      const mails = mailsOf(smallMail, run.name, count);
      await run.append(mails);
      const a = await fetchParseCeiling(servers, run.mailboxUser);
      const b = await fetchParseCeiling(servers, run.mailboxUser, run.env.DATABASE_URL);
      const d = await drain(servers, run, mails, [{ roles: PIPELINE_ROLES }], true);
      filed.push(d.filedSeconds);
      answered.push(d.answeredSeconds!);
      ceilingA.push(a.seconds);
      ceilingB.push(b.seconds);
      anomalies.push(...d.anomalies);
      log(
        `row 3/4 repeat ${r}: ${count} small mails filed in ${d.filedSeconds.toFixed(1)} s, answered in ${d.answeredSeconds!.toFixed(1)} s; ceiling A ${a.seconds.toFixed(1)} s, B ${b.seconds.toFixed(1)} s`,
      );
    } finally {
      await run.close();
    }
  }
  return [
    {
      row: "3",
      figure: `${count} small mails at once (a deadline burst), launch → all filed`,
      unit: "s",
      values: filed,
      ceiling: { label: "A", values: ceilingA },
      ratio: "share-time",
      target: "≥ 0.5",
      note: noteOf(anomalies),
    },
    {
      row: "3b",
      figure: "same burst, launch → all filed, against ceiling B (A + one INSERT per mail)",
      unit: "s",
      values: filed,
      ceiling: { label: "B", values: ceilingB },
      ratio: "share-time",
      target: "≥ 0.5",
    },
    {
      row: "4",
      figure: "same burst, launch → all 回执 at the SMTP peer (ceiling: the filing drain, row 3)",
      unit: "s",
      values: answered,
      ceiling: { label: "filing", values: filed },
      ratio: "multiple",
      target: "≤ 2× the filing drain",
    },
  ];
}

/** Row 5: the burst with the worker role in one, then two, processes of its own. */
export async function scaleRows(servers: BenchServers, repeats: number, log: Log): Promise<Measurement[]> {
  const count = Number(process.env.BENCH_BURST ?? 1000);
  const seconds: Record<1 | 2, number[]> = { 1: [], 2: [] };
  const anomalies: string[] = [];
  for (let r = 1; r <= repeats; r++) {
    for (const workers of [1, 2] as const) {
      const run = await createRun(servers, `scale${workers}w${r}`);
      try {
        const mails = mailsOf(smallMail, run.name, count);
        await run.append(mails);
        const launches = [{ roles: ["poller", "sender", "scheduler"] }, ...Array.from({ length: workers }, () => ({ roles: ["worker"] }))];
        const d = await drain(servers, run, mails, launches, false);
        seconds[workers].push(d.filedSeconds);
        anomalies.push(...d.anomalies);
        log(`row 5 repeat ${r}: ${workers} worker process(es): ${count} filed in ${d.filedSeconds.toFixed(1)} s`);
      } finally {
        await run.close();
      }
    }
  }
  return [
    {
      row: "5",
      figure: `burst of ${count}, launch → all filed with \`start worker\` in 2 processes (ceiling: in 1 process); ratio = speed-up`,
      unit: "s",
      values: seconds[2],
      ceiling: { label: "1 worker process", values: seconds[1] },
      ratio: "share-time",
      target: "> 1 (scales until Postgres or the mailbox is the limit)",
      note: noteOf(anomalies),
    },
  ];
}

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

/** Row 7: the digest preview of a 10,000-school campaign; its wall time and peak memory. */
export async function digestRows(servers: BenchServers, repeats: number, log: Log): Promise<Measurement[]> {
  const schools = Number(process.env.BENCH_SCHOOLS ?? 10_000);
  const run = await createRun(servers, "digest", benchRoster(schools));
  try {
    const slug = "bench-digest";
    const t0 = performance.now();
    await measureProcess([servers.command, "campaign", "apply", run.env.BAOSONG_CAMPAIGNS!], { ...run.env, LOG_LEVEL: "warn" }, run.dir);
    const seeded = await seedSubmissions(run.pool, slug);
    log(`row 7: ${schools} schools, ${seeded.messages} mails, ${seeded.documents} documents seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const wall: number[] = [];
    const peak: number[] = [];
    const ceilingWall: number[] = [];
    const ceilingPeak: number[] = [];
    for (let r = 1; r <= repeats; r++) {
      const d = await runDigestPreview(servers.command, run, slug, r);
      const c = await runDigestCeiling(run, seeded.campaignId, r);
      wall.push(d.seconds);
      peak.push(d.peakMB);
      ceilingWall.push(c.seconds);
      ceilingPeak.push(c.peakMB);
      log(`row 7 repeat ${r}: digest ${d.seconds.toFixed(1)} s ${Math.round(d.peakMB)} MB; ceiling ${c.seconds.toFixed(1)} s ${Math.round(c.peakMB)} MB`);
    }
    const figure = `digest preview, ${schools} schools (${seeded.documents} documents)`;
    return [
      {
        row: "7",
        figure: `${figure}: wall time`,
        unit: "s",
        values: wall,
        ceiling: { label: "cursor + streaming writer", values: ceilingWall },
        ratio: "multiple",
        target: "< 5 s",
      },
      {
        row: "7b",
        figure: `${figure}: peak RSS`,
        unit: "MB",
        values: peak,
        ceiling: { label: "cursor + streaming writer", values: ceilingPeak },
        ratio: "multiple",
        target: "< 300 MB",
      },
    ];
  } finally {
    await run.close();
  }
}

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

/** One run of row 1 with --cpu-prof: the profiles land in the returned directory. */
export async function profiledRun(servers: BenchServers, log: Log): Promise<{ dir: string; sinceUs: number }> {
  const count = Number(process.env.BENCH_PROFILE_MAILS ?? process.env.BENCH_MAILS ?? 300);
  const run = await createRun(servers, "profile");
  const dir = join(servers.dir, "cpuprofile");
  await mkdir(dir, { recursive: true });
  try {
    const mails = mailsOf(typicalMail, run.name, count);
    await run.append(mails);
    const d = await drain(servers, run, mails, [{ roles: PIPELINE_ROLES, nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${dir}`] }], true);
    log(`profile run: ${count} typical mails answered in ${d.answeredSeconds!.toFixed(1)} s (profiling slows it)`);
    return { dir, sinceUs: d.runningMonotonicUs };
  } finally {
    await run.close();
  }
}

function mb(mails: readonly BenchMail[]): number {
  return Math.round(mails.reduce((s, m) => s + m.raw.length, 0) / 1024 / 1024);
}
