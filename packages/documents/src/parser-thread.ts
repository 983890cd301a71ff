import { Worker } from "node:worker_threads";
import type { FileReadLimits, FileReading } from "./read-file.ts";
import type { ParseRequest } from "./parse-thread.ts";

type Answer = { id: number; reading: FileReading } | { id: number; error: string };

export interface ParserThreadOptions {
  entry: URL;
  timeoutMs: number;
  maxHeapMb: number;
}

/**
 * One worker thread of the parser pool, reading one file at a time. Whatever happens to the
 * thread, `read` resolves: a timeout, an out-of-memory or a crash becomes an `unreadable`
 * reading of that one file, and the thread is marked dead so the pool starts another.
 */
export class ParserThread {
  dead = false;
  private next = 1;

  private constructor(
    private readonly worker: Worker,
    private readonly options: ParserThreadOptions,
  ) {}

  /** Starts a thread and waits for it to say it is ready; rejects when it cannot start. */
  static start(options: ParserThreadOptions): Promise<ParserThread> {
    const worker = new Worker(options.entry, { resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb } });
    return new Promise<ParserThread>((resolve, reject) => {
      const failed = (err: Error) => {
        worker.off("message", onReady);
        void worker.terminate().catch(() => undefined);
        reject(err);
      };
      const onExit = (code: number) => failed(new Error(`parser thread exited with code ${code} while starting`));
      const onReady = (m: { ready?: boolean }) => {
        if (!m.ready) return;
        worker.off("message", onReady);
        worker.off("error", failed);
        worker.off("exit", onExit);
        resolve(new ParserThread(worker, options));
      };
      worker.on("message", onReady);
      worker.once("error", failed);
      worker.once("exit", onExit);
    });
  }

  read(bytes: Buffer, mediaType: string, limits: FileReadLimits): Promise<FileReading> {
    const worker = this.worker;
    const id = this.next++;
    const { timeoutMs } = this.options;
    return new Promise<FileReading>((resolve) => {
      const finish = (reading: FileReading) => {
        clearTimeout(timer);
        worker.off("message", onMessage);
        worker.off("error", onError);
        worker.off("exit", onExit);
        resolve(reading);
      };
      const failed = (code: string, detail: string) => {
        void this.stop();
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

  async stop(): Promise<void> {
    this.dead = true;
    await this.worker.terminate().catch(() => undefined);
  }
}
