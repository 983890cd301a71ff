import { readFileSync } from "node:fs";

declare const BAOSONG_VERSION: string | undefined;

/**
 * The project's version: written into the bundle by scripts/build.ts, read from the
 * top-level package.json when run from source.
 */
export const version: string =
  typeof BAOSONG_VERSION === "string"
    ? BAOSONG_VERSION
    : (JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }).version;
