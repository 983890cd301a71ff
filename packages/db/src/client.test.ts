import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { connectDatabase, type DatabaseHandle } from "./client.ts";
import { adminQuery, createTestDatabase, type TestDatabase } from "../../../test/support/database.ts";

describe("database connections", () => {
  let t: TestDatabase;
  let handle: DatabaseHandle;
  const lost: Error[] = [];
  beforeAll(async () => {
    t = await createTestDatabase();
    handle = connectDatabase(t.url, { applicationName: "baosong-conn-test", onConnectionError: (err) => lost.push(err) });
  });
  afterAll(async () => {
    await handle?.close();
    await t?.drop();
  });

  it("survives a connection terminated inside a transaction: the transaction fails, the next query works", async () => {
    let backend = 0;
    const transaction = handle.db.transaction(async (tx) => {
      const [row] = (await tx.execute(sql`select pg_backend_pid() as pid`)).rows as { pid: number }[];
      backend = row!.pid;
      // Between two queries the client is checked out and idle: this is where an 'error'
      // event without a listener used to kill the process.
      await adminQuery("select pg_terminate_backend($1)", [backend]);
      await waitFor(() => lost.length > 0);
      await tx.execute(sql`select 1`);
    });
    await expect(transaction).rejects.toThrow();
    expect(lost.length).toBeGreaterThan(0);
    const { rows } = await handle.pool.query<{ pid: number }>("select pg_backend_pid() as pid");
    expect(rows[0]!.pid).not.toBe(backend);
  });
});

async function waitFor(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 25));
}
