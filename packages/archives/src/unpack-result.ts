/** One file found inside an archive, stored in the blob store. */
export interface UnpackedMember {
  /** `archive.zip/inner/name.xlsx`: the attachment's name, then the decoded member names. For display only. */
  path: string;
  blobKey: string;
  sha256: string;
  size: number;
  /** The first bytes, for detecting the real type without reading the blob again. */
  head: Buffer;
  /** 1 for a member of the attachment itself, 2 for a member of an archive inside it, … */
  depth: number;
}

export type UnpackProblemCode =
  | "archive_depth"
  | "archive_members"
  | "archive_size"
  | "archive_member_size"
  | "archive_ratio"
  | "archive_encrypted"
  | "archive_corrupt"
  | "archive_unsupported";

/** Something that kept a member, or the rest of an archive, from being unpacked. */
export interface UnpackProblem {
  code: UnpackProblemCode;
  /** The member's path, or the archive's own path when the problem is with the whole archive. */
  path: string;
  /** For admins and logs, in English; the worker turns the code into a finding for clerks. */
  detail: string;
}

export interface UnpackResult {
  members: UnpackedMember[];
  problems: UnpackProblem[];
}
