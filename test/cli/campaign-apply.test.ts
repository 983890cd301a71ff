import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { repoRoot, runCli } from "../support/cli.ts";

const examples = ["rongchang-2022.yaml", "sichuan-2023.yaml", "nanchang-2022.yaml", "demo.yaml"];

describe("baosong campaign apply", () => {
  let t: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), "baosong-apply-"));
  });
  afterAll(async () => {
    await t?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it.each(examples)("loads examples/%s with its roster, requirements and mailboxes", async (file) => {
    const r = await runCli(["campaign", "apply", `examples/${file}`], { DATABASE_URL: t.url });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const m = /活动 (\S+) 已载入（学校 (\d+) 所，报送要求 (\d+) 项，邮箱 (\d+) 个）/.exec(r.stdout);
    expect(m).not.toBeNull();
    const [, slug, nSchools, nRequirements, nMailboxes] = m!;
    const { rows } = await t.pool.query(
      `select (select count(*)::int from schools s where s.campaign_id = c.id and s.active) as schools,
              (select count(*)::int from requirements r where r.campaign_id = c.id and r.active) as requirements,
              (select count(*)::int from mailboxes m where m.campaign_id = c.id) as mailboxes
       from campaigns c where c.slug = $1`,
      [slug],
    );
    expect(rows[0]).toEqual({ schools: Number(nSchools), requirements: Number(nRequirements), mailboxes: Number(nMailboxes) });
    expect(Number(nSchools)).toBeGreaterThan(0);
  });

  it("re-applies in place: ids kept, a school dropped from the file becomes inactive", async () => {
    const original = await readFile(join(repoRoot, "examples/demo.yaml"), "utf8");
    await runCli(["campaign", "apply", "examples/demo.yaml"], { DATABASE_URL: t.url });
    const before = await t.pool.query("select id, name from schools where campaign_id = (select id from campaigns where slug = 'demo') order by id");
    const dropped = before.rows.at(-1).name as string;
    // Remove the last school's whole block from the roster.
    const edited = original.slice(0, original.lastIndexOf(`- name: ${dropped}`));
    const file = join(dir, "demo-edited.yaml");
    await writeFile(file, edited);
    const r = await runCli(["campaign", "apply", file], { DATABASE_URL: t.url });
    expect(r.code).toBe(0);
    const after = await t.pool.query("select id, name, active from schools where campaign_id = (select id from campaigns where slug = 'demo') order by id");
    expect(after.rows.map((s) => s.id)).toEqual(before.rows.map((s) => s.id));
    expect(after.rows.find((s) => s.name === dropped).active).toBe(false);
    expect(after.rows.filter((s) => s.active)).toHaveLength(before.rows.length - 1);
  });

  it("refuses a broken file, naming the file, the line, the key and the reason", async () => {
    const file = join(dir, "broken.yaml");
    const original = await readFile(join(repoRoot, "examples/demo.yaml"), "utf8");
    const lines = original.split("\n");
    const at = lines.findIndex((l) => /^\s*slug:/.test(l));
    lines[at] = lines[at]!.replace(/slug:.*/, "slug: Not A Slug!");
    await writeFile(file, lines.join("\n"));
    const r = await runCli(["campaign", "apply", file], { DATABASE_URL: t.url });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${file}:${at + 1}:`);
    expect(r.stdout).toMatch(/slug: .+/);
    const { rows } = await t.pool.query("select count(*)::int as n from campaigns where slug = 'Not A Slug!'");
    expect(rows[0].n).toBe(0);
  });
});
