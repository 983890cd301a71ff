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
