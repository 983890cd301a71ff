import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

export const repoRoot = join(import.meta.dirname, "../..");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end and collects what it printed. */
export function runProcess(command: string, args: string[], options: { cwd: string; env: Record<string, string | undefined> }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Runs `pnpm baosong …` as a user would, from the repository root. */
export function runCli(args: string[], env: Record<string, string | undefined>): Promise<CliResult> {
  return runProcess(process.execPath, ["--import", "tsx", "services/cli/src/main.ts", ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: "warn", ...env },
  });
}

export interface Started {
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  exited: Promise<number | null>;
}

/**
 * Waits for a long-running command (`baosong start`) to print `line`. The bound only catches
 * a hang: it is far beyond a start-up on a loaded machine. A child that exits first, or never
 * prints it, is killed and the test fails with what it printed.
 */
export async function untilPrinted(child: ChildProcess, line: string, boundMs = 150_000): Promise<Started> {
  let out = "";
  child.stdout?.on("data", (d) => (out += d));
  child.stderr?.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  const deadline = Date.now() + boundMs;
  while (!out.includes(line)) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill("SIGKILL");
      throw new Error(`never printed ${line}:\n${out.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { output: () => out, exited };
}
