import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { migrateDatabase } from "./migrate.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/database.ts";

describe("migrations", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("applies once and changes nothing when run again", async () => {
    await migrateDatabase(t.pool);
    const { rows } = await t.pool.query("select count(*)::int as n from drizzle.__drizzle_migrations");
    expect(rows[0].n).toBeGreaterThanOrEqual(2);
    await migrateDatabase(t.pool);
    const again = await t.pool.query("select count(*)::int as n from drizzle.__drizzle_migrations");
    expect(again.rows[0].n).toBe(rows[0].n);
  });

  it("creates the dashboard views SPEC §6 names", async () => {
    const { rows } = await t.pool.query("select table_name from information_schema.views where table_schema = 'dashboard' order by 1");
    expect(rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining([
        "daily_matrix",
        "documents",
        "featured_activities",
        "findings",
        "info_forms",
        "messages",
        "outbox",
        "reports",
        "school_status",
        "stats_forms",
      ]),
    );
    const cols = await t.pool.query("select column_name from information_schema.columns where table_schema = 'dashboard' and table_name = 'messages'");
    expect(cols.rows.map((r) => r.column_name)).toEqual(
      expect.arrayContaining([
        "campaign",
        "message_id",
        "mailbox",
        "received_at",
        "from_address",
        "subject",
        "school",
        "attributed_by",
        "auth",
        "status",
        "auto_reply",
      ]),
    );
  });

  it("gives the read-only role the dashboard and nothing else", async () => {
    const login = `ro_${t.name}`;
    await t.pool.query(`create role ${login} login in role baosong_readonly`);
    const ro = new pg.Client({ connectionString: t.url.replace("postgres@", `${login}@`) });
    await ro.connect();
    try {
      await expect(ro.query("select count(*) from dashboard.messages")).resolves.toBeTruthy();
      await expect(ro.query("select count(*) from public.messages")).rejects.toThrow(/permission denied/);
      await expect(ro.query("insert into public.campaigns (slug, title, timezone, config) values ('x','x','x','{}')")).rejects.toThrow(/permission denied/);
      await expect(ro.query("create table dashboard.evil (x int)")).rejects.toThrow(/permission denied/);
      await expect(ro.query("create table public.evil (x int)")).rejects.toThrow(/permission denied/);
    } finally {
      await ro.end();
      await t.pool.query(`drop role ${login}`);
    }
  });
});
