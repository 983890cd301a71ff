/** Rows 1–5 and the profiled run: mails waiting in the mailbox, drained by a fresh launch. */

import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fetchParseCeiling } from "./ceilings.ts";
import { smallMail, typicalMail, type BenchMail } from "./corpus.ts";
import { DRAIN_LIMIT_MS, drain, type Drained, type Log, loadNote, mailsOf, noteOf, PIPELINE_ROLES } from "./drain.ts";
import type { Measurement } from "./measurement.ts";
import { groupCpuSeconds } from "./proc.ts";
import { specFloorCeiling } from "./spec-floor.ts";
import { summarize } from "./stats.ts";
import { createRun, waitUntil, type BenchRun, type BenchServers } from "./world.ts";

/** Rows 1 and 2: typical mails, launch → filed and answered; CPU per mail. */
export async function typicalRows(servers: BenchServers, repeats: number, log: Log): Promise<Measurement[]> {
  const count = Number(process.env.BENCH_MAILS ?? 300);
  const rate: number[] = [];
  const ceilingRate: number[] = [];
  const cpu: number[] = [];
  const ceilingCpu: number[] = [];
  const floorRate: number[] = [];
  const floorCpu: number[] = [];
  const anomalies: string[] = [];
  for (let r = 1; r <= repeats; r++) {
    const run = await createRun(servers, `typical${r}`);
    try {
      const mails = mailsOf(typicalMail, run.name, count);
      await run.append(mails);
      const a = await fetchParseCeiling(servers, run.mailboxUser);
      const d = await drain(servers, run, mails, [{ roles: PIPELINE_ROLES }], true);
      // After the drain: the floor's tables, files and queue left behind slowed a drain run after it.
      const s = await specFloorCeiling(servers, run.mailboxUser, run.env.DATABASE_URL!, run.dir, { sendAfterFiling: false });
      rate.push(count / d.answeredSeconds!);
      ceilingRate.push(a.mails / a.seconds);
      floorRate.push(s.mails / s.answeredSeconds);
      cpu.push((1000 * d.cpuSeconds) / count);
      ceilingCpu.push((1000 * a.cpuSeconds) / a.mails);
      floorCpu.push((1000 * s.cpuSeconds) / s.mails);
      anomalies.push(...d.anomalies);
      log(
        `row 1/2 repeat ${r}: ${count} typical mails (${mb(mails)} MB) filed in ${d.filedSeconds.toFixed(1)} s, answered in ${d.answeredSeconds!.toFixed(1)} s; ceiling A ${a.seconds.toFixed(1)} s, S answered in ${s.answeredSeconds.toFixed(1)} s`,
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
      row: "1s",
      figure: "same, against ceiling S (SPEC §1's pipeline done bare: blob, job, one transaction, 回执 job, SMTP)",
      unit: "mails/s",
      values: rate,
      ceiling: { label: "S", values: floorRate },
      ratio: "share-rate",
      target: "— (how far Baosong is from the design's floor)",
    },
    {
      row: "1f",
      figure: "ceiling S itself against ceiling A: the best row 1 ratio SPEC §1's design reaches here",
      unit: "mails/s",
      values: floorRate,
      ceiling: { label: "A", values: ceilingRate },
      ratio: "share-rate",
      target: "— (row 1's ≥ 0.5 is reachable only if this is)",
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
    {
      row: "2f",
      figure: "CPU per mail of ceiling S (its process, its SMTP peer included) against ceiling A",
      unit: "ms",
      values: floorCpu,
      ceiling: { label: "A", values: ceilingCpu },
      ratio: "share-time",
      target: "— (row 2's ≥ 0.5 is reachable only if this is)",
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
  const floor: number[] = [];
  const anomalies: string[] = [];
  const loads: Drained["load"][] = [];
  for (let r = 1; r <= repeats; r++) {
    const run = await createRun(servers, `burst${r}`);
    try {
      const mails = mailsOf(smallMail, run.name, count);
      await run.append(mails);
      const a = await fetchParseCeiling(servers, run.mailboxUser);
      const b = await fetchParseCeiling(servers, run.mailboxUser, run.env.DATABASE_URL);
      const d = await drain(servers, run, mails, [{ roles: PIPELINE_ROLES }], true);
      const s = await specFloorCeiling(servers, run.mailboxUser, run.env.DATABASE_URL!, run.dir, { sendAfterFiling: true });
      filed.push(d.filedSeconds);
      answered.push(d.answeredSeconds!);
      ceilingA.push(a.seconds);
      ceilingB.push(b.seconds);
      floor.push(s.filedSeconds);
      anomalies.push(...d.anomalies);
      loads.push(d.load);
      log(
        `row 3/4 repeat ${r}: ${count} small mails filed in ${d.filedSeconds.toFixed(1)} s, answered in ${d.answeredSeconds!.toFixed(1)} s; ceiling A ${a.seconds.toFixed(1)} s, B ${b.seconds.toFixed(1)} s, S ${s.filedSeconds.toFixed(1)} s; ${loadNote(d.load)}`,
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
      note: noteOf(anomalies, `last run: ${loadNote(loads.at(-1)!)}`),
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
      row: "3s",
      figure: "same burst, launch → all filed, against ceiling S (SPEC §1's pipeline done bare, see row 1s)",
      unit: "s",
      values: filed,
      ceiling: { label: "S", values: floor },
      ratio: "share-time",
      target: "— (how far Baosong is from the design's floor)",
    },
    {
      row: "3f",
      figure: "ceiling S itself against ceiling A: the best row 3 ratio SPEC §1's design reaches here",
      unit: "s",
      values: floor,
      ceiling: { label: "A", values: ceilingA },
      ratio: "share-time",
      target: "— (row 3's ≥ 0.5 is reachable only if this is)",
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
  const loads: Record<1 | 2, Drained["load"][]> = { 1: [], 2: [] };
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
        log(`row 5 repeat ${r}: ${workers} worker process(es): ${count} filed in ${d.filedSeconds.toFixed(1)} s; ${loadNote(d.load)}`);
        loads[workers].push(d.load);
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
      note: noteOf(anomalies, `1 process: ${loadNote(loads[1].at(-1)!)}`, `2 processes: ${loadNote(loads[2].at(-1)!)}`),
    },
  ];
}

/** One run of row 1 with --cpu-prof: the profiles land in the returned directory. */
export async function profiledRun(servers: BenchServers, log: Log): Promise<{ dir: string; sinceUs: number }> {
  const count = Number(process.env.BENCH_PROFILE_MAILS ?? process.env.BENCH_MAILS ?? 300);
  const run = await createRun(servers, "profile");
  // BENCH_PROFILE_DIR keeps the .cpuprofile files for a closer look (they are removed with the run otherwise).
  const dir = process.env.BENCH_PROFILE_DIR ?? join(servers.dir, "cpuprofile");
  await mkdir(dir, { recursive: true });
  try {
    // BENCH_PROFILE_CORPUS=burst profiles the deadline burst's small mails instead of row 1's.
    const burst = process.env.BENCH_PROFILE_CORPUS === "burst";
    const mails = mailsOf(burst ? smallMail : typicalMail, run.name, count);
    await run.append(mails);
    const d = await drain(servers, run, mails, [{ roles: PIPELINE_ROLES, nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${dir}`] }], true);
    log(`profile run: ${count} ${burst ? "small" : "typical"} mails answered in ${d.answeredSeconds!.toFixed(1)} s (profiling slows it)`);
    return { dir, sinceUs: d.runningMonotonicUs };
  } finally {
    await run.close();
  }
}

function mb(mails: readonly BenchMail[]): number {
  return Math.round(mails.reduce((s, m) => s + m.raw.length, 0) / 1024 / 1024);
}

/**
 * Row 3r: where the burst's time goes, role by role. The same 1,000 small mails, drained by
 * `start poller` alone until every mail is secured (its jobs wait in the queue), then by
 * `start worker` alone until every mail is filed (its 回执 wait in the outbox), then by
 * `start sender` alone until every 回执 is sent: each role's CPU per mail (all threads of its
 * process, start-up excluded) and drain time, with nothing else of Baosong's competing.
 */
export async function roleRows(servers: BenchServers, repeats: number, log: Log): Promise<Measurement[]> {
  const count = Number(process.env.BENCH_BURST ?? 1000);
  const roles = [
    { role: "poller", what: "secured", done: "select count(*)::int as n from mail_receipts" },
    { role: "worker", what: "filed", done: "select count(*)::int as n from messages" },
    { role: "sender", what: "回执 sent", done: "select count(*)::int as n from outbox where kind = 'ack' and status = 'sent'" },
  ];
  const cpu = new Map<string, number[]>(roles.map((r) => [r.role, []]));
  const seconds = new Map<string, number[]>(roles.map((r) => [r.role, []]));
  for (let r = 1; r <= repeats; r++) {
    const run = await createRun(servers, `roles${r}`);
    try {
      await run.append(mailsOf(smallMail, run.name, count));
      for (const { role, what, done } of roles) {
        const d = await drainRole(run, role, count, done);
        cpu.get(role)!.push((1000 * d.cpuSeconds) / count);
        seconds.get(role)!.push(d.seconds);
        log(
          `row 3r repeat ${r}: \`start ${role}\` alone: ${count} ${what} in ${d.seconds.toFixed(1)} s, ${((1000 * d.cpuSeconds) / count).toFixed(2)} ms CPU per mail`,
        );
      }
    } finally {
      await run.close();
    }
  }
  return roles.map(({ role, what }) => ({
    row: `3r-${role}`,
    figure: `burst of ${count}, \`start ${role}\` alone until all ${what}: CPU per mail (drain time in the note)`,
    unit: "ms",
    values: cpu.get(role)!,
    target: "— (where row 3's time goes)",
    note: `median drain ${summarize(seconds.get(role)!).median.toFixed(2)} s`,
  }));
}

async function drainRole(run: BenchRun, role: string, count: number, doneSql: string): Promise<{ seconds: number; cpuSeconds: number }> {
  const p = run.launch([role]);
  try {
    const runningAt = await p.running;
    const cpu0 = groupCpuSeconds(p.pid);
    let reached = 0;
    const doneAt = await waitUntil(
      async () => (reached = Number((await run.pool.query(doneSql)).rows[0].n)) >= count,
      DRAIN_LIMIT_MS,
      () => `${run.name}: \`start ${role}\` reached ${reached} of ${count}`,
      20,
    );
    return { seconds: (doneAt - runningAt) / 1000, cpuSeconds: groupCpuSeconds(p.pid) - cpu0 };
  } finally {
    await p.stop();
  }
}
