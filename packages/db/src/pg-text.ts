/**
 * Postgres refuses U+0000 in text and jsonb ("invalid byte sequence for encoding UTF8: 0x00",
 * "unsupported Unicode escape sequence"), so a NUL in a subject, a body, a file name or a
 * form cell would fail the whole filing on every retry. Hostile or broken mails carry them;
 * they are replaced by U+FFFD, which shows the clerk that something was there.
 */
export function withoutNul<T>(value: T): T {
  if (typeof value === "string") return (value.includes("\u0000") ? value.replaceAll("\u0000", "\uFFFD") : value) as T;
  if (Array.isArray(value)) return value.map(withoutNul) as T;
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [withoutNul(k), withoutNul(v)])) as T;
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [withoutNul(k), withoutNul(v)])) as T;
  }
  return value;
}
