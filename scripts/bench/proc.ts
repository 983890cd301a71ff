import { readdirSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";

/**
 * What Linux says about a process: CPU seconds (all threads: the parser thread and libuv's
 * pool count too) and memory. Read from /proc so the bench measures processes it did not
 * write, exactly as `ps` would.
 */
const TICKS_PER_SECOND = clockTicks();

function clockTicks(): number {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** Fields of /proc/<pid>/stat from field 3 on (the command name may hold spaces and parentheses). */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/**
 * CPU seconds of every live process in a process group (the bench starts each Baosong in a
 * group of its own, so anything it forks counts too; children that ended count through their
 * parent's cutime/cstime).
 */
export function groupCpuSeconds(pgid: number): number {
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const f = statFields(Number(entry));
    // pgrp is field 5.
    if (f && Number(f[2]) === pgid) total += (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICKS_PER_SECOND;
  }
  return total;
}

export interface Memory {
  /** Resident set now (VmRSS), MB. */
  rssMB: number;
  /** Peak resident set so far (VmHWM), MB. */
  peakMB: number;
}

/** VmRSS and VmHWM of the whole process (threads share it); null once it is gone. */
export function memory(pid: number): Memory | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return null;
  }
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rssMB: kb("VmRSS") / 1024, peakMB: kb("VmHWM") / 1024 };
}

/** Samples VmHWM until stopped: the last sample before the process ends is its peak. */
export function peakMemorySampler(pid: number, everyMs = 50): { stop(): number } {
  let peak = 0;
  const sample = () => {
    const m = memory(pid);
    if (m && m.peakMB > peak) peak = m.peakMB;
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      sample();
      clearInterval(timer);
      return peak;
    },
  };
}

/** The first descendant of `pid` running the script `script` (the node under `pnpm start`, not the shell around it). */
export function descendantRunning(pid: number, script: string): number | null {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const f = statFields(Number(entry));
    // ppid is field 4.
    if (f) children.set(Number(f[1]), [...(children.get(Number(f[1])) ?? []), Number(entry)]);
  }
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length) {
    const next = queue.shift()!;
    try {
      if (readFileSync(`/proc/${next}/cmdline`, "utf8").split("\0")[1]?.endsWith(script)) return next;
    } catch {
      // Gone meanwhile.
    }
    queue.push(...(children.get(next) ?? []));
  }
  return null;
}

/** The machine's CPU counters (all cores, jiffies): busy and total, from /proc/stat. */
export function machineCpu(): { busy: number; total: number } {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: idle and iowait are not busy.
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - fields[3]! - fields[4]!, total };
}

/**
 * CPU seconds of every live process named `comm`, all threads, with their reaped children's: for
 * Postgres, the postmaster's count holds the backends that have ended meanwhile.
 */
export function commCpuSeconds(comm: string): number {
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() !== comm) continue;
    } catch {
      continue;
    }
    const f = statFields(Number(entry));
    if (f) total += (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICKS_PER_SECOND;
  }
  return total;
}
