import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { eachRow } from "./cursor.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/database.ts";

describe("eachRow", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
  });

  const numbers = (n: number) => sql`select g as n, ${"行"} || g as label from generate_series(1, ${n}) g order by g`;

  it("hands over every row in order, across fetches, and the last partial one", async () => {
    const seen: number[] = [];
    await eachRow<{ n: number; label: string }>(t.db, numbers(10), (r) => void seen.push(r.n), 3);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("runs inside a caller's transaction, which goes on and sees its own writes", async () => {
    const labels: string[] = [];
    const after = await t.db.transaction(async (tx) => {
      await tx.execute(sql`create temporary table cursor_probe (label text) on commit drop`);
      await tx.execute(sql`insert into cursor_probe values ('写入'), ('两行')`);
      await eachRow<{ label: string }>(tx, sql`select label from cursor_probe order by label`, (r) => void labels.push(r.label), 1);
      return (await tx.execute(sql`select count(*)::int as n from cursor_probe`)).rows[0];
    });
    expect(labels.sort()).toEqual(["两行", "写入"].sort());
    expect(after).toEqual({ n: 2 });
  });

  it("stops at a row the visitor refuses, closes the cursor, and leaves the caller's transaction usable", async () => {
    const seen: number[] = [];
    const outcome = await t.db.transaction(async (tx) => {
      const failed = await eachRow<{ n: number }>(
        tx,
        numbers(100),
        (r) => {
          seen.push(r.n);
          if (r.n === 4) throw new Error("enough");
        },
        2,
      ).catch((err: Error) => err.message);
      const { rows } = await tx.execute(sql`select count(*)::int as n from pg_cursors`);
      return { failed, open: rows[0] };
    });
    expect(outcome).toEqual({ failed: "enough", open: { n: 0 } });
    expect(seen).toEqual([1, 2, 3, 4]);
  });
});
