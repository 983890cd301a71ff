/**
 * Postgres refuses U+0000 in text and jsonb ("invalid byte sequence for encoding UTF8: 0x00",
 * "unsupported Unicode escape sequence"), so a NUL in a subject, a body, a file name or a
 * form cell would fail the whole filing on every retry. Hostile or broken mails carry them;
 * they are replaced by U+FFFD, which shows the clerk that something was there.
 */
export function withoutNul<T>(value: T): T {
  return hasNul(value) ? replaceNul(value) : value;
}

/**
 * Whether a NUL is anywhere in the value. Almost no mail has one, so the filing looks first and
 * copies its rows only when one must be replaced: no new objects for every row of every mail.
 */
function hasNul(value: unknown): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (Array.isArray(value)) return value.some(hasNul);
  if (value instanceof Map) {
    for (const [k, v] of value) if (hasNul(k) || hasNul(v)) return true;
    return false;
  }
  if (isPlainObject(value)) {
    for (const k in value) if (hasNul(k) || hasNul(value[k])) return true;
  }
  return false;
}

function replaceNul<T>(value: T): T {
  if (typeof value === "string") return (value.includes("\u0000") ? value.replaceAll("\u0000", "\uFFFD") : value) as T;
  if (Array.isArray(value)) return value.map(replaceNul) as T;
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [replaceNul(k), replaceNul(v)])) as T;
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [replaceNul(k), replaceNul(v)])) as T;
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype;
}
