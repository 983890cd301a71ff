/** How far one attachment may unpack, across the whole tree of nested archives (SPEC §8). */
export interface UnpackLimits {
  /** Levels of archives opened: 1 unpacks the attachment but no archive inside it. */
  maxDepth: number;
  /** Files met in the whole tree, unpacked or not. */
  maxMembers: number;
  /** Bytes decompressed in the whole tree, including members given up on. */
  maxUnpackedBytes: number;
  /** Bytes of one member. */
  maxMemberBytes: number;
  /**
   * A compression-ratio rule against bombs: a member may not unpack to more than `maxRatio`
   * times its packed size, nor the whole tree to more than `maxRatio` times the attachment,
   * once past `ratioMinBytes` (small files of one repeated byte are harmless).
   */
  maxRatio: number;
  ratioMinBytes: number;
}

const GiB = 1024 ** 3;

export const defaultUnpackLimits: UnpackLimits = {
  maxDepth: 3,
  maxMembers: 500,
  maxUnpackedBytes: 4 * GiB,
  maxMemberBytes: 2 * GiB,
  maxRatio: 100,
  ratioMinBytes: 16 * 1024 ** 2,
};
