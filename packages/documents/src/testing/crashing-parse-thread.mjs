// The real parser thread, except that a file of CRASH_TYPE kills the thread the moment it
// arrives, as a hostile file that takes the reader down would: for tests of the parser pool.
import { parentPort } from "node:worker_threads";
import { register } from "tsx/esm/api";

export const CRASH_TYPE = "application/x-baosong-test-crash";

parentPort?.on("message", (req) => {
  if (req.mediaType === CRASH_TYPE) process.exit(70);
});
register();
await import("../parse-thread.ts");
