import { Transform, type Readable, type TransformCallback } from "node:stream";

/**
 * Holds back the last chunk of an outgoing message until `beforeEnd` resolves. The SMTP server
 * takes a mail only once the DATA ends ("." after the last bytes); a connection lost before
 * that makes it discard the mail. So whatever `beforeEnd` records (that the mail is being
 * handed over) is in place before the server can have the mail, and if it fails the send is
 * aborted before its end and nothing is delivered.
 */
export class HandoverGate extends Transform {
  private held: Buffer | null = null;

  constructor(private readonly beforeEnd: () => Promise<void>) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const previous = this.held;
    this.held = chunk;
    if (previous) this.push(previous);
    done();
  }

  override _flush(done: TransformCallback): void {
    this.beforeEnd().then(
      () => {
        if (this.held) this.push(this.held);
        this.held = null;
        done();
      },
      (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
    );
  }
}

/** A nodemailer process function: the compiled message through a gate. */
export function gateMessage(input: Readable, beforeEnd: () => Promise<void>): Readable {
  const gate = new HandoverGate(beforeEnd);
  input.once("error", (err) => gate.destroy(err));
  return input.pipe(gate);
}
