import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { adminQuery, adminUrl, withDatabase } from "../support/database.ts";
import { runCli } from "../support/cli.ts";

describe("baosong migrate on a server without the database", () => {
  const name = `baosong_new_${randomBytes(4).toString("hex")}`;
  const url = withDatabase(adminUrl, name);
  afterAll(async () => {
    await adminQuery(`drop database if exists ${name} with (force)`);
  });

  it("doctor says to run migrate, and migrate creates the database and its dashboard", async () => {
    const doctor = await runCli(["doctor"], { DATABASE_URL: url });
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toContain("请运行 pnpm baosong migrate");

    const first = await runCli(["migrate"], { DATABASE_URL: url });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain("数据库结构已是最新");
    const { rows } = await adminQuery("select 1 from pg_database where datname = $1", [name]);
    expect(rows).toHaveLength(1);

    const again = await runCli(["migrate"], { DATABASE_URL: url });
    expect(again.code, again.stderr).toBe(0);
    const views = await runCli(["campaign", "apply", "examples/demo.yaml"], { DATABASE_URL: url });
    expect(views.code, views.stderr).toBe(0);
  });
});
