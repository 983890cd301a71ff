import pg from "pg";

/** Postgres: the database named in the URL does not exist; a concurrent CREATE won the race. */
const INVALID_CATALOG_NAME = "3D000";
const DUPLICATE_DATABASE = "42P04";

/**
 * Creates the database a URL names when its server has none of that name yet, so a first
 * `baosong migrate` against `postgres://…/baosong` needs no `createdb` before it. Connects to
 * the server's `postgres` database to do so. Returns whether it created one.
 */
export async function ensureDatabase(url: string): Promise<boolean> {
  try {
    await withClient(url, async () => undefined);
    return false;
  } catch (err) {
    if ((err as { code?: string }).code !== INVALID_CATALOG_NAME) throw err;
  }
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const maintenance = new URL(url);
  maintenance.pathname = "/postgres";
  return withClient(maintenance.toString(), async (client) => {
    try {
      await client.query(`create database ${client.escapeIdentifier(name)}`);
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === DUPLICATE_DATABASE) return false;
      throw err;
    }
  });
}

async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: "baosong" });
  // A server that drops the connection must surface as a rejected query, not crash the process.
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
