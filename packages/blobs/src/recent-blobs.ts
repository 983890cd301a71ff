/**
 * The last few small blobs read whole, kept in memory up to `maxBytes` together, oldest
 * dropped first. Blobs never change under their key, so a copy here is never stale.
 */
export class RecentBlobs {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string): Buffer | undefined {
    return this.entries.get(key);
  }

  /** Keeps its own exact-size copy: `bytes` may be a view on a larger read buffer. */
  remember(key: string, bytes: Buffer): void {
    if (bytes.length > this.maxBytes || this.entries.has(key)) return;
    const copy = Buffer.allocUnsafeSlow(bytes.length);
    bytes.copy(copy);
    this.entries.set(key, copy);
    this.bytes += copy.length;
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= old.length;
    }
  }
}
