/**
 * The display path of a member: the archive's path, then the member's name made harmless.
 * Names from archives never reach the file system (SPEC §8); this is only what people see,
 * so `..`, absolute paths, drive letters and backslashes are flattened, not resolved.
 */
export function memberPath(archivePath: string, name: string): string {
  return `${archivePath}/${displayName(name)}`;
}

export function displayName(name: string): string {
  const segments = name
    .replace(/\\/g, "/")
    .split("/")
    .map((s) => s.replace(/[\u0000-\u001f\u007f]/g, "").trim())
    .filter((s, i) => s !== "" && s !== "." && s !== ".." && !(i === 0 && /^[A-Za-z]:$/.test(s)));
  return segments.length > 0 ? segments.join("/") : "(unnamed)";
}

/** Directory entries: zips mark them with a trailing slash (some Windows tools a backslash). */
export function isDirectoryName(name: string): boolean {
  return name.endsWith("/") || name.endsWith("\\");
}
