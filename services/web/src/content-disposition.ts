/**
 * `Content-Disposition: attachment` for any file name (RFC 6266): an ASCII `filename=` for
 * old clients, and `filename*=UTF-8''…` (RFC 5987) that browsers use for Chinese names.
 */
export function attachmentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeRfc5987(filename)}`;
}

function encodeRfc5987(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The last segment of a filed name (`附件.zip/内/表.xlsx` → `表.xlsx`), safe as one path
 * segment inside a zip: no separators, no `..`, no control characters.
 */
export function fileSegment(name: string, fallback = "未命名文件"): string {
  const last = name.split(/[\\/]/).filter(Boolean).pop() ?? "";
  const clean = last.replace(/[\x00-\x1f\x7f:*?"<>|]/g, "_").trim();
  return clean === "" || clean === "." || clean === ".." ? fallback : clean;
}
