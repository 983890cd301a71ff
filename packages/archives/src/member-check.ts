import { Transform, type TransformCallback } from "node:stream";
import { crc32 } from "node:zlib";

/** A member's bytes did not match what its archive said about them, or could not be read. */
export class MemberCorruptError extends Error {
  readonly code = "MEMBER_CORRUPT";
}

/** What the archive says a member holds. Null when the format does not say. */
export interface MemberExpectation {
  size: number | null;
  crc32: number | null;
}

/**
 * Passes a member's bytes through and fails the stream when they disagree with the declared
 * size or CRC-32. Fails at the first byte too many, so a header that lies about a bomb's size
 * costs no more than the size it declared. yauzl checks neither CRC-32 nor, after a wrong
 * password, anything at all; 7-Zip's output is cut by declared sizes, so this is what keeps a
 * misaligned cut from being filed as a member.
 */
export class MemberCheck extends Transform {
  bytes = 0;
  private crc = 0;

  constructor(private readonly expect: MemberExpectation) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.expect.size !== null && this.bytes > this.expect.size) {
      done(new MemberCorruptError(`holds more than the ${this.expect.size} bytes its header declares`));
      return;
    }
    this.crc = crc32(chunk, this.crc);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.expect.size !== null && this.bytes !== this.expect.size) {
      done(new MemberCorruptError(`ends after ${this.bytes} of the ${this.expect.size} bytes its header declares`));
    } else if (this.expect.crc32 !== null && this.crc >>> 0 !== this.expect.crc32 >>> 0) {
      done(new MemberCorruptError("its bytes do not match its CRC-32"));
    } else {
      done();
    }
  }
}
