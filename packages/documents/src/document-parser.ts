import { availableParallelism } from "node:os";
import type { FileReadLimits, FileReading } from "./read-file.ts";
import { readFileContent } from "./read-file.ts";
import { ParserThread } from "./parser-thread.ts";

/**
 * The thread's entry: in development this module is TypeScript run by tsx, and the .mjs
 * entry registers tsx inside the thread; in the built CLI it is dist/baosong.js and the
 * thread body is built beside it as dist/parse-thread.js (scripts/build.ts).
 */
const threadEntry = import.meta.url.endsWith(".ts") ? new URL("./parse-thread-entry.mjs", import.meta.url) : new URL("./parse-thread.js", import.meta.url);

/** One thread per core, up to four: beyond that the main loop (mail parsing, Postgres) is the bound. */
export function defaultParserThreads(): number {
  return Math.max(1, Math.min(availableParallelism(), 4));
}

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
  /** At most this many files are read at once, each in a thread of its own; defaultParserThreads() by default. */
  threads?: number;
  /**
   * A thread left without work this long ends, giving its memory back (a quiet evening holds
   * none); the next file starts one again. 60 s by default.
   */
  idleMs?: number;
  /** The thread's module; tests substitute one that crashes on cue. */
  threadEntry?: URL;
}

/**
 * Reads spreadsheets, documents and PDFs, in a small pool of threads started only when a file
 * comes (an idle service holds none). Whatever happens to a thread, every call resolves: a
 * timeout or a crashed thread becomes an `unreadable` reading of that one file (and a finding
 * for the school), the files in the other threads go on, and the next file gets a fresh thread.
 */
export class DocumentParser {
  private readonly idle: ParserThread[] = [];
  private readonly idleTimers = new Map<ParserThread, NodeJS.Timeout>();
  /** Files waiting for a thread: given one, or the error that kept a new one from starting. */
  private readonly waiting: { resolve: (thread: ParserThread) => void; reject: (err: Error) => void }[] = [];
  private readonly live = new Set<ParserThread>();
  private running = 0;

  constructor(private readonly options: DocumentParserOptions) {}

  parse(bytes: Buffer, mediaType: string, limits: FileReadLimits): Promise<FileReading> {
    if (this.options.mode === "inline") return readFileContent(bytes, mediaType, limits);
    return this.inThread(bytes, mediaType, limits);
  }

  /**
   * Ends every thread, as the old single thread was ended: a file still being read becomes
   * unreadable (the worker closes its queue first, so none is). A later call starts afresh.
   */
  async close(): Promise<void> {
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    this.idleTimers.clear();
    this.running -= this.idle.length;
    this.idle.length = 0;
    const all = [...this.live];
    this.live.clear();
    await Promise.all(all.map((t) => t.stop()));
  }

  private async inThread(bytes: Buffer, mediaType: string, limits: FileReadLimits): Promise<FileReading> {
    let thread: ParserThread;
    try {
      thread = await this.acquire();
    } catch (err) {
      this.options.onThreadUnavailable?.(err as Error);
      return readFileContent(bytes, mediaType, limits);
    }
    try {
      return await thread.read(bytes, mediaType, limits);
    } finally {
      this.release(thread);
    }
  }

  /** An idle thread, a new one while the pool has room, or the next one freed. */
  private acquire(): Promise<ParserThread> {
    const idle = this.idle.pop();
    if (idle) {
      clearTimeout(this.idleTimers.get(idle));
      this.idleTimers.delete(idle);
      return Promise.resolve(idle);
    }
    if (this.running < (this.options.threads ?? defaultParserThreads())) return this.startThread();
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private async startThread(): Promise<ParserThread> {
    this.running++;
    try {
      const thread = await ParserThread.start({
        entry: this.options.threadEntry ?? threadEntry,
        timeoutMs: this.options.timeoutMs ?? 60_000,
        maxHeapMb: this.options.maxHeapMb ?? 768,
      });
      this.live.add(thread);
      return thread;
    } catch (err) {
      this.running--;
      throw err;
    }
  }

  /** A live thread goes to the next waiting file or rests; a dead one's place goes to a fresh thread. */
  private release(thread: ParserThread): void {
    if (thread.dead) {
      this.running--;
      this.live.delete(thread);
      const waiter = this.waiting.shift();
      if (waiter) this.startThread().then(waiter.resolve, waiter.reject);
      return;
    }
    const waiter = this.waiting.shift();
    if (waiter) {
      waiter.resolve(thread);
      return;
    }
    this.idle.push(thread);
    const timer = setTimeout(() => this.retire(thread), this.options.idleMs ?? 60_000);
    timer.unref();
    this.idleTimers.set(thread, timer);
  }

  private retire(thread: ParserThread): void {
    const at = this.idle.indexOf(thread);
    if (at < 0) return;
    this.idle.splice(at, 1);
    this.idleTimers.delete(thread);
    this.live.delete(thread);
    this.running--;
    void thread.stop();
  }
}
