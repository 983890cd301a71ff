import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable } from "node:stream";

export type SevenZipChild = ChildProcessByStdio<null, Readable, Readable>;

export interface SevenZipOutput {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The output went past the limit and 7-Zip was stopped. */
  overflow: boolean;
}

const STDERR_LIMIT = 64 * 1024;

/**
 * Starts 7-Zip with the archive's private temp dir as working directory. The child gets no
 * environment but PATH and a UTF-8 locale (so names print as UTF-8): it needs no secrets.
 */
export function startSevenZip(executable: string, args: string[], cwd: string): SevenZipChild {
  return spawn(executable, args, {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8", LC_ALL: "C.UTF-8" },
  });
}

/** Runs 7-Zip to the end and collects its output, at most `stdoutLimit` bytes of it. */
export function runSevenZip(executable: string, args: string[], cwd: string, stdoutLimit: number): Promise<SevenZipOutput> {
  return new Promise((resolve, reject) => {
    const child = startSevenZip(executable, args, cwd);
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let overflow = false;
    child.stdout.on("data", (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > stdoutLimit) {
        overflow = true;
        child.kill("SIGKILL");
      } else {
        stdout.push(chunk);
      }
    });
    const stderr = collectStderr(child);
    // A missing or unrunnable binary is a broken install, not a bad archive: it throws.
    child.once("error", reject);
    child.once("close", (code) => {
      resolve({ code, stdout: Buffer.concat(stdout).toString("utf8"), stderr: stderr(), overflow });
    });
  });
}

/** Keeps the first 64 KiB of what 7-Zip says on stderr. */
export function collectStderr(child: SevenZipChild): () => string {
  const chunks: Buffer[] = [];
  let bytes = 0;
  child.stderr.on("data", (chunk: Buffer) => {
    if (bytes < STDERR_LIMIT) chunks.push(chunk);
    bytes += chunk.length;
  });
  return () => Buffer.concat(chunks).toString("utf8").slice(0, STDERR_LIMIT);
}

/** Resolves with the exit code once the child has exited and its streams are closed. */
export function exitOf(child: SevenZipChild): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("close", (code) => resolve(code)));
}
