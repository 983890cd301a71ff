import { sql, type SQL } from "drizzle-orm";
import type { Executor } from "./client.ts";

/** Rows fetched per round trip: large enough to amortise it, small enough to stay flat. */
const DEFAULT_BATCH = 500;

let cursors = 0;

/**
 * Hands the rows of `query` to `visit` one at a time through a server-side cursor (DECLARE …
 * FETCH), so a result of any size never sits in memory whole; node-postgres alone would read
 * it all. A cursor lives in a transaction: on the database it opens one, inside a caller's
 * transaction a savepoint (drizzle nests them), which works on Postgres and on PGlite alike.
 * `visit` runs between fetches, on the same connection's time: it must not query `db` itself.
 */
export async function eachRow<T = Record<string, unknown>>(
  db: Executor,
  query: SQL,
  visit: (row: T) => void | Promise<void>,
  batch = DEFAULT_BATCH,
): Promise<void> {
  const name = sql.raw(`baosong_cursor_${++cursors}`);
  await db.transaction(async (tx) => {
    // Postgres plans a cursor for its first 10% of rows (fast-start nested loops); every row
    // is read here, so plan for all of them. Local: ends with the caller's transaction.
    await tx.execute(sql`set local cursor_tuple_fraction = 1`);
    await tx.execute(sql`declare ${name} no scroll cursor for ${query}`);
    for (;;) {
      const { rows } = await tx.execute(sql`fetch forward ${sql.raw(String(batch))} from ${name}`);
      for (const row of rows) await visit(row as T);
      if (rows.length < batch) break;
    }
    await tx.execute(sql`close ${name}`);
  });
}
