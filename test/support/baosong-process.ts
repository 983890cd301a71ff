import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { repoRoot } from "./cli.ts";

/**
 * `pnpm baosong start` as a child process, as it runs in production: a fault test can kill it
 * with SIGKILL (no shutdown code runs) and start it again.
 */
export interface BaosongProcess {
  readonly pid: number | undefined;
  /** Exits so far, with their code and signal: a process that died on its own shows here. */
  readonly exits: { code: number | null; signal: NodeJS.Signals | null }[];
  /** kill -9: nothing of ours runs on the way out. */
  kill9(): Promise<void>;
  start(): void;
  /** SIGTERM, and SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export function startBaosong(env: Record<string, string>, logFile: string): BaosongProcess {
  let child: ChildProcess | null = null;
  let log: WriteStream | null = null;
  const exits: BaosongProcess["exits"] = [];
  let expected = false;
  const start = () => {
    expected = false;
    log ??= createWriteStream(logFile, { flags: "a" });
    const c = spawn(process.execPath, ["--import", "tsx", "services/cli/src/main.ts", "start"], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: "warn", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    c.stdout!.pipe(log, { end: false });
    c.stderr!.pipe(log, { end: false });
    c.on("exit", (code, signal) => {
      if (!expected) exits.push({ code, signal });
    });
    child = c;
  };
  const end = async (signal: NodeJS.Signals, graceMs: number) => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    expected = true;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill(signal);
    const timer = setTimeout(() => c.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  };
  start();
  return {
    get pid() {
      return child?.pid;
    },
    exits,
    kill9: () => end("SIGKILL", 0),
    start,
    async stop(graceMs = 10_000) {
      await end("SIGTERM", graceMs);
      log?.end();
      log = null;
    },
  };
}
