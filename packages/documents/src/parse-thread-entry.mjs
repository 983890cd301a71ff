// A worker thread starts without the parent's module loaders: tsx is registered here, then the
// TypeScript body of the thread is loaded through it.
import { register } from "tsx/esm/api";

register();
await import("./parse-thread.ts");
