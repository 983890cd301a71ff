import type { Readable, Writable } from "node:stream";

/**
 * Cuts one stream into consecutive pieces of known length: 7-Zip's `-so` writes all members
 * back to back, and the listing says how long each is. Waits while the piece's reader is
 * busy, so a member is never held whole in memory.
 */
export class ByteSplitter {
  private pending: Buffer | null = null;
  private ended = false;
  private wake: (() => void) | null = null;

  constructor(private readonly stream: Readable) {
    // Listen from the start: when a child process exits, Node discards whatever of its
    // stdout nobody is listening to yet.
    const onEvent = (): void => {
      const wake = this.wake;
      this.wake = null;
      wake?.();
    };
    const onEnd = (): void => {
      this.ended = true;
      onEvent();
    };
    stream.on("readable", onEvent);
    stream.once("end", onEnd);
    stream.once("close", onEnd);
    stream.on("error", onEnd);
  }

  /**
   * Moves the next `count` bytes into `sink`; bytes for a sink that was destroyed (its
   * reader gave up) or for no sink are dropped. Returns how many bytes there were, fewer
   * when the stream ended first.
   */
  async take(count: number, sink: Writable | null): Promise<number> {
    let moved = 0;
    while (moved < count) {
      const chunk = await this.next();
      if (!chunk) break;
      const part = chunk.length > count - moved ? chunk.subarray(0, count - moved) : chunk;
      if (part.length < chunk.length) this.pending = chunk.subarray(part.length);
      moved += part.length;
      if (sink && !sink.destroyed && !sink.write(part)) await drained(sink);
    }
    return moved;
  }

  /** Whether any byte is left after the pieces taken so far. */
  async hasMore(): Promise<boolean> {
    const chunk = await this.next();
    if (chunk) this.pending = chunk;
    return chunk !== null;
  }

  close(): void {
    this.stream.destroy();
  }

  private async next(): Promise<Buffer | null> {
    if (this.pending) {
      const chunk = this.pending;
      this.pending = null;
      return chunk;
    }
    for (;;) {
      const chunk = this.stream.read() as Buffer | null;
      if (chunk !== null) return chunk;
      if (this.ended || this.stream.destroyed) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

function drained(sink: Writable): Promise<void> {
  if (sink.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      sink.off("drain", done);
      sink.off("close", done);
      sink.off("error", done);
      resolve();
    };
    sink.on("drain", done);
    sink.on("close", done);
    sink.on("error", done);
  });
}
