import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import type pg from "pg";

/**
 * `migrations/` at the top of the project: found upwards from this module, which is
 * packages/db/src in development and dist/ in the built CLI (and the Docker image).
 */
export const migrationsFolder = findMigrations(dirname(fileURLToPath(import.meta.url)));

function findMigrations(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, "migrations");
    if (existsSync(join(candidate, "meta", "_journal.json"))) return candidate;
    if (dirname(dir) === dir) throw new Error(`no migrations/meta/_journal.json above ${from}`);
  }
}

/** Arbitrary but fixed: serialises concurrent `migrate` runs (several services starting at once). */
const MIGRATION_LOCK = 7_210_531;

/**
 * Applies every migration not yet applied; running it again changes nothing.
 * Lock and migration share one connection, so this also works against PGlite's
 * single-connection socket.
 */
export async function migrateDatabase(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK]);
    try {
      await migrate(drizzle(client), { migrationsFolder });
    } finally {
      await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}
