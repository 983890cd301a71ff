import type { Readable } from "node:stream";
import type { MemberExpectation } from "./member-check.ts";
import type { UnpackProblemCode } from "./unpack-result.ts";

/** The archive being read: its display path and the depth its members will have. */
export interface ArchiveScope {
  path: string;
  depth: number;
}

/** What to do with a file entry, decided before its bytes are read. */
export type Admission = "extract" | "skip" | "stop";

/**
 * Where a format reader hands what it finds. The sink keeps the limits for the whole tree
 * and the list of members and problems; readers only know their format.
 */
export interface MemberSink {
  /** True once a tree-wide limit was reached: readers stop reading. */
  readonly stopped: boolean;
  /** Counts a file entry against the limits and says whether to read it; `packedSize` where the format says. */
  admit(scope: ArchiveScope, name: string, declaredSize: number | null, packedSize?: number | null): Admission;
  /**
   * Streams a member into the blob store. Resolves false when the member was given up
   * (limit, corrupt bytes: a problem is recorded); rejects only when the blob store fails.
   */
  store(scope: ArchiveScope, name: string, content: Readable, expect: MemberExpectation): Promise<boolean>;
  /** Whether `bytes` skipped inside a solid stream may still be decompressed; stops the tree if not. */
  allowSkipping(scope: ArchiveScope, name: string, bytes: number): boolean;
  problem(code: UnpackProblemCode, path: string, detail: string): void;
}
