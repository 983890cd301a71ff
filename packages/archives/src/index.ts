export { archiveFormatOf, type ArchiveFormat } from "./archive-format.ts";
export { defaultUnpackLimits, type UnpackLimits } from "./limits.ts";
export { unpackArchive, type UnpackOptions } from "./unpack-archive.ts";
export type { UnpackedMember, UnpackProblem, UnpackProblemCode, UnpackResult } from "./unpack-result.ts";
