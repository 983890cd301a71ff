/**
 * The body of DocumentParser's worker thread: reads one file at a time and answers with what
 * it read. Parsing a large workbook or PDF is CPU work that would otherwise hold the worker's
 * event loop, so BullMQ could not renew its job locks (SPEC §1: must not stall the queue).
 */
import { parentPort } from "node:worker_threads";
import { readFileContent, type FileReadLimits } from "./read-file.ts";

export interface ParseRequest {
  id: number;
  bytes: Uint8Array;
  mediaType: string;
  limits: FileReadLimits;
}

const port = parentPort;
if (port) {
  port.on("message", (req: ParseRequest) => {
    const bytes = Buffer.from(req.bytes.buffer, req.bytes.byteOffset, req.bytes.byteLength);
    readFileContent(bytes, req.mediaType, req.limits).then(
      (reading) => port.postMessage({ id: req.id, reading }),
      (err: Error) => port.postMessage({ id: req.id, error: err.message }),
    );
  });
  port.postMessage({ ready: true });
}
