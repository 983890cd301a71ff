import { resolve } from "node:path";
import { connectDatabase, type DatabaseHandle } from "@baosong/db";
import { LocalBlobStore } from "@baosong/blobs";
import { createLogger, type Logger } from "@baosong/log";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded-postgres.ts";
import type { Settings } from "./settings.ts";

export interface Runtime {
  settings: Settings;
  logger: Logger;
  database: DatabaseHandle;
  blobs: LocalBlobStore;
  /** True when the data lives in the embedded PGlite (no DATABASE_URL). */
  embedded: boolean;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** Only `start` may fall back to the embedded database; admin commands need a real one. */
  allowEmbedded: boolean;
}

export async function openRuntime(settings: Settings, options: RuntimeOptions): Promise<Runtime> {
  const logger = createLogger({ level: settings.LOG_LEVEL });
  let embedded: EmbeddedPostgres | null = null;
  let url = settings.DATABASE_URL;
  if (!url) {
    if (!options.allowEmbedded) throw new Error("DATABASE_URL is not set (in the environment or .env)");
    embedded = await startEmbeddedPostgres(resolve(settings.BAOSONG_PGLITE_DIR));
    url = embedded.url;
    logger.warn({ msg: "DATABASE_URL not set: using the embedded PGlite database", dir: settings.BAOSONG_PGLITE_DIR });
  }
  // PGlite serves one session at a time: one connection, queries queue behind it.
  const database = connectDatabase(url, {
    maxConnections: embedded ? 1 : 10,
    onConnectionError: (err) => logger.warn({ msg: "database connection lost; it is replaced on the next query", err }),
  });
  return {
    settings,
    logger,
    database,
    blobs: new LocalBlobStore(resolve(settings.BAOSONG_BLOB_DIR)),
    embedded: embedded !== null,
    async close() {
      await database.close();
      await embedded?.stop();
    },
  };
}
