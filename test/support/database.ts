import { randomBytes } from "node:crypto";
import pg from "pg";
import { connectDatabase, migrateDatabase, type DatabaseHandle } from "@baosong/db";

/** The server tests create their databases on; CI and developers share this one. */
export const adminUrl = process.env.TEST_DATABASE_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestDatabase extends DatabaseHandle {
  url: string;
  name: string;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own for one test file; nothing is shared. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `baosong_t_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  await adminQuery(`create database ${name}`);
  const url = withDatabase(adminUrl, name);
  const handle = connectDatabase(url, { applicationName: "baosong-test" });
  await migrateDatabase(handle.pool);
  return {
    ...handle,
    url,
    name,
    async drop() {
      await handle.close();
      await adminQuery(`drop database if exists ${name} with (force)`);
    },
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function adminQuery(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}
