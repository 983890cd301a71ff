import { readFileSync } from "node:fs";
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

/** utime + stime of the process (all its threads), in seconds; null once it is gone. */
export function cpuSeconds(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // Fields after the command name, which may itself hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of stat(5); the slice starts at field 3.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
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
