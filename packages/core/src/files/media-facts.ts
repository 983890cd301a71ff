/**
 * What a photo or video file says about itself, read from its bytes by the documents
 * package: the clerk's camera, not the file name. Every field is optional because phones,
 * messengers and editors strip what they like.
 */
export interface MediaFacts {
  /** The container as read from the bytes: jpeg, png, heic, gif, webp, mp4, mov, avi, wmv, … */
  format: string;
  width?: number;
  height?: number;
  /** EXIF DateTimeOriginal as the camera wrote it (local wall-clock, no zone): "YYYY-MM-DD HH:mm:ss". */
  takenAt?: string;
  /** Whole seconds, rounded; from the container header (cheap), never by decoding. */
  durationSeconds?: number;
}

/** What a PDF is: how many pages, and whether it has a text layer or is only scanned pictures. */
export interface PdfFacts {
  pages: number;
  /** Characters in the text layer (whitespace excluded); 0 for a scan. */
  textChars: number;
}

/**
 * The facts with a date taken that is a real wall-clock time (cameras with a flat battery
 * write "0000:00:00 00:00:00" or 1970); a bad date is dropped, the rest kept.
 */
export function plausibleMedia(m: MediaFacts): MediaFacts {
  const { takenAt, ...rest } = m;
  if (takenAt === undefined) return m;
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/u.exec(takenAt);
  if (!match) return rest;
  const [y, mo, d, h, mi, s] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  const real = y >= 1990 && y <= 2100 && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && h < 24 && mi < 60 && s < 60;
  return real ? m : rest;
}
