/**
 * A drain, the heart of rows 1–5: launch Baosong on mails already in the mailbox and time it
 * until every mail is filed (and answered). Every wait is bounded: a Baosong that never files
 * or never answers fails the row with what it reached, it does not hang the bench.
 */
import type { BenchMail } from "./corpus.ts";
import { availableParallelism } from "node:os";
import { commCpuSeconds, groupCpuSeconds, machineCpu } from "./proc.ts";
import { waitUntil, type BenchRun, type BenchServers, type Launched } from "./world.ts";

/** The roles of `baosong start` that take a mail from the mailbox to its 回执. */
export const PIPELINE_ROLES = ["poller", "worker", "sender", "scheduler"];
export const DRAIN_LIMIT_MS = Number(process.env.BENCH_LIMIT_SECONDS ?? 600) * 1000;

export type Log = (line: string) => void;

export interface Drained {
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
  /**
   * What bounded the drain, from "running" to all filed: how busy the machine's cores were, and
   * how many cores' worth Baosong and Postgres used (2 on this machine means both cores).
   */
  load: { machineBusyPct: number; baosongCores: number; postgresCores: number };
}

/** Launches the processes, waits for all of them to run, then for the mails to be filed (and answered). */
export async function drain(
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
    const machineAtRunning = machineCpu();
    const postgresAtRunning = commCpuSeconds("postgres");
    const runningAt = Date.now();
    let filed = 0;
    await waitUntil(
      async () => (filed = await run.filed()) >= mails.length,
      DRAIN_LIMIT_MS,
      () => `${run.name}: ${filed} of ${mails.length} mails filed`,
      100,
    );
    const load = loadSince(machineAtRunning, postgresAtRunning, totalCpu(procs) - cpuAtRunning, (Date.now() - runningAt) / 1000);
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
      load,
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

/** Notes for a row: anomalies of any repeat, and what else the row should say. */
export function noteOf(anomalies: string[], ...more: string[]): string | undefined {
  const notes = [...(anomalies.length ? [`SPEC §8: ${[...new Set(anomalies)].join("; ")}`] : []), ...more];
  return notes.length ? notes.join("; ") : undefined;
}

function loadSince(machine: { busy: number; total: number }, postgresCpu: number, baosongCpu: number, seconds: number): Drained["load"] {
  const now = machineCpu();
  return {
    machineBusyPct: Math.round((100 * (now.busy - machine.busy)) / Math.max(1, now.total - machine.total)),
    baosongCores: Math.round((100 * baosongCpu) / seconds) / 100,
    postgresCores: Math.round((100 * (commCpuSeconds("postgres") - postgresCpu)) / seconds) / 100,
  };
}

/** One line for a row's log and note: what the drain was bound by. */
export function loadNote(l: Drained["load"]): string {
  return `machine ${l.machineBusyPct}% busy over ${availableParallelism()} cores: Baosong ${l.baosongCores} cores, Postgres ${l.postgresCores}`;
}

function totalCpu(procs: Launched[]): number {
  return procs.reduce((sum, p) => sum + groupCpuSeconds(p.pid), 0);
}

export const mailsOf = (make: (run: string, n: number) => BenchMail, run: string, count: number) => Array.from({ length: count }, (_, i) => make(run, i + 1));
