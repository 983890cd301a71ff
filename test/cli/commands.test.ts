import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { commands } from "../../services/cli/src/catalogue.ts";
import { repoRoot, runCli } from "../support/cli.ts";

/** Nothing listens on port 1: a command that tried to open the database would fail. */
const noDatabase = { DATABASE_URL: "postgres://postgres@127.0.0.1:1/nothing", REDIS_URL: "redis://127.0.0.1:1" };
const version = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version;

describe("baosong --help and --version", () => {
  it("prints the project's version", async () => {
    const r = await runCli(["--version"], noDatabase);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`baosong ${version} (node ${process.version})`);
  });

  it("lists every command with its Chinese and English summary, without touching the database", async () => {
    const r = await runCli(["--help"], noDatabase);
    expect(r.code).toBe(0);
    for (const c of commands) {
      expect(r.stdout).toContain(`  ${c.usage}\n      ${c.summary.zh}\n      ${c.summary.en}`);
    }
  });

  it.each(commands.map((c) => [c.name.join(" "), c] as const))("explains `%s` in both languages, as `help X` and as `X --help`", async (_, c) => {
    for (const argv of [
      ["help", ...c.name],
      [...c.name, "--help"],
    ]) {
      const r = await runCli(argv, noDatabase);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`usage: baosong ${c.usage}`);
      expect(r.stdout).toContain(c.summary.zh);
      expect(r.stdout).toContain(c.summary.en);
      for (const line of [...(c.details?.zh ?? []), ...(c.details?.en ?? [])]) expect(r.stdout).toContain(line);
    }
  });

  it("refuses an unknown command with exit code 2 and the overview", async () => {
    const r = await runCli(["campaign", "remove", "x.yaml"], noDatabase);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command: campaign remove x.yaml");
    expect(r.stderr).toContain("campaign apply FILE");
    expect((await runCli([], noDatabase)).code).toBe(2);
  });

  it("answers a command line that does not fit with that command's usage", async () => {
    const r = await runCli(["digest", "--campaign", "demo"], noDatabase);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("digest needs --preview");
    expect(r.stderr).toContain("usage: baosong digest --preview");
  });
});
