import { Worker } from "node:worker_threads";
import type { FileReadLimits, FileReading } from "./read-file.ts";
import { readFileContent } from "./read-file.ts";
import type { ParseRequest } from "./parse-thread.ts";

/**
 * The thread's entry: in development this module is TypeScript run by tsx, and the .mjs
 * entry registers tsx inside the thread; in the built CLI it is dist/baosong.js and the
 * thread body is built beside it as dist/parse-thread.js (scripts/build.ts).
 */
const threadEntry = import.meta.url.endsWith(".ts") ? new URL("./parse-thread-entry.mjs", import.meta.url) : new URL("./parse-thread.js", import.meta.url);

export interface DocumentParserOptions {
  /**
   * `thread` reads in a worker thread, so the caller's event loop stays free and a file that
   * exhausts memory or never finishes costs the thread, not the process. `inline` reads on the
   * caller's loop (tests, one-off CLI runs).
   */
  mode: "thread" | "inline";
  /** A file taking longer than this is given up as unreadable; 60 s by default. */
  timeoutMs?: number;
  /** The thread's heap ceiling; 768 MB by default. */
  maxHeapMb?: number;
  /** Told when the thread cannot start; that file is then read inline, so nothing is lost. */
  onThreadUnavailable?: (err: Error) => void;
}

type Answer = { id: number; reading: FileReading } | { id: number; error: string };

/**
 * Reads spreadsheets, documents and PDFs one at a time. Whatever happens to the thread, every
 * call resolves: a timeout or a crashed thread becomes an `unreadable` reading (and a finding
 * for the school), and the next call starts a fresh thread.
 */
export class DocumentParser {
  private worker: Worker | null = null;
  private ready: Promise<Worker> | null = null;
  private next = 1;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: DocumentParserOptions) {}

  parse(bytes: Buffer, mediaType: string, limits: FileReadLimits): Promise<FileReading> {
    if (this.options.mode === "inline") return readFileContent(bytes, mediaType, limits);
    const run = this.chain.then(() => this.inThread(bytes, mediaType, limits));
    this.chain = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.ready = null;
    if (worker) await worker.terminate();
  }

  private async inThread(bytes: Buffer, mediaType: string, limits: FileReadLimits): Promise<FileReading> {
    let worker: Worker;
    try {
      worker = await this.start();
    } catch (err) {
      this.options.onThreadUnavailable?.(err as Error);
      return readFileContent(bytes, mediaType, limits);
    }
    const id = this.next++;
    const timeoutMs = this.options.timeoutMs ?? 60_000;
    return new Promise<FileReading>((resolve) => {
      const finish = (reading: FileReading) => {
        clearTimeout(timer);
        worker.off("message", onMessage);
        worker.off("error", onError);
        worker.off("exit", onExit);
        resolve(reading);
      };
      const failed = (code: string, detail: string) => {
        void this.discard(worker);
        finish({ mediaType, content: { unreadable: { code, detail } } });
      };
      const onMessage = (answer: Answer) => {
        if (answer.id !== id) return;
        if ("error" in answer) failed("PARSE_FAILED", answer.error);
        else finish(answer.reading);
      };
      const onError = (err: Error) =>
        failed((err as { code?: string }).code === "ERR_WORKER_OUT_OF_MEMORY" ? "PARSE_OUT_OF_MEMORY" : "PARSE_CRASHED", err.message);
      const onExit = (code: number) => failed("PARSE_CRASHED", `parser thread exited with code ${code}`);
      const timer = setTimeout(() => failed("PARSE_TIMEOUT", `reading took longer than ${timeoutMs} ms`), timeoutMs);
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.on("exit", onExit);
      // A copy the thread owns: the caller's buffer may be a slice of a pooled one.
      const copy = new Uint8Array(bytes);
      const request: ParseRequest = { id, bytes: copy, mediaType, limits };
      worker.postMessage(request, [copy.buffer]);
    });
  }

  private start(): Promise<Worker> {
    if (this.ready) return this.ready;
    const worker = new Worker(threadEntry, {
      resourceLimits: { maxOldGenerationSizeMb: this.options.maxHeapMb ?? 768 },
    });
    this.worker = worker;
    this.ready = new Promise<Worker>((resolve, reject) => {
      const onReady = (m: { ready?: boolean }) => {
        if (!m.ready) return;
        worker.off("message", onReady);
        worker.off("error", reject);
        resolve(worker);
      };
      worker.on("message", onReady);
      worker.once("error", reject);
    });
    this.ready.catch(() => this.discard(worker));
    return this.ready;
  }

  private async discard(worker: Worker): Promise<void> {
    if (this.worker === worker) {
      this.worker = null;
      this.ready = null;
    }
    await worker.terminate().catch(() => undefined);
  }
}
