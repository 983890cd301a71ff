export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** 1.2 MB, 340 KB, 12 B: sizes as a clerk reads them. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 * 1024) return `${(n / 1024 / 1024 / 1024).toFixed(1)} GB`;
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} B`;
}

/** Cuts text to `max` characters (code points), saying whether it was cut. */
export function truncate(s: string, max: number): { text: string; truncated: boolean } {
  const chars = Array.from(s);
  return chars.length <= max ? { text: s, truncated: false } : { text: chars.slice(0, max).join(""), truncated: true };
}
