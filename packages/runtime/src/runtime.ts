import { resolve } from "node:path";
import { connectDatabase, ensureDatabase, migrateDatabase, type DatabaseHandle } from "@baosong/db";
import { LocalBlobStore } from "@baosong/blobs";
import { createLogger, maskUrl, type Logger } from "@baosong/log";
import { openEmbeddedPostgres, type EmbeddedPostgres } from "./embedded-postgres.ts";
import type { Settings } from "./settings.ts";

export interface Runtime {
  settings: Settings;
  logger: Logger;
  database: DatabaseHandle;
  blobs: LocalBlobStore;
  /** The embedded PGlite (no DATABASE_URL): where it is served and its data directory; else null. */
  embedded: Pick<EmbeddedPostgres, "url" | "dataDir" | "shared"> | null;
  close(): Promise<void>;
}

/**
 * Opens what every command and role needs. Without DATABASE_URL the data lives in the embedded
 * PGlite: opened here, or reached through the Baosong process that already has it open.
 */
export async function openRuntime(settings: Settings): Promise<Runtime> {
  const logger = createLogger({ level: settings.LOG_LEVEL });
  let embedded: EmbeddedPostgres | null = null;
  let url = settings.DATABASE_URL;
  if (!url) {
    embedded = await openEmbeddedPostgres(resolve(settings.BAOSONG_PGLITE_DIR), settings.BAOSONG_PGLITE_PORT);
    url = embedded.url;
    logger.warn({ msg: "DATABASE_URL not set: using the embedded PGlite database", url, dir: embedded.dataDir, shared: embedded.shared });
  }
  // PGlite has one session; its server multiplexes clients, so each process keeps to one.
  const database = connectDatabase(url, {
    maxConnections: embedded ? 1 : 10,
    onConnectionError: (err) => logger.warn({ msg: "database connection lost; it is replaced on the next query", err }),
  });
  return {
    settings,
    logger,
    database,
    blobs: new LocalBlobStore(resolve(settings.BAOSONG_BLOB_DIR)),
    embedded: embedded && { url: embedded.url, dataDir: embedded.dataDir, shared: embedded.shared },
    async close() {
      await database.close();
      await embedded?.stop();
    },
  };
}

/**
 * Makes the database ready for Baosong: creates it when the server has none of that name yet
 * (a first run), then applies every migration not yet applied. Safe to repeat.
 */
export async function prepareDatabase(rt: Runtime): Promise<void> {
  if (!rt.embedded && rt.settings.DATABASE_URL && (await ensureDatabase(rt.settings.DATABASE_URL))) {
    rt.logger.info({ msg: "database created", action: "migrate", url: maskUrl(rt.settings.DATABASE_URL) });
  }
  await migrateDatabase(rt.database.pool);
}
