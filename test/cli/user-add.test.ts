import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findConsoleUser } from "@baosong/db";
import { loadSettings, openRuntime, userAddCommand, type Runtime } from "@baosong/svc-cli";
import { verifyPassword } from "@baosong/svc-web";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";

describe("baosong user add", () => {
  let t: TestDatabase;
  let rt: Runtime;
  const run = async (args: string[], password: string) => {
    const lines: string[] = [];
    const code = await userAddCommand(
      rt,
      args,
      (l) => lines.push(l),
      async () => `${password}\n`,
    );
    return { code, lines };
  };

  beforeAll(async () => {
    t = await createTestDatabase();
    rt = await openRuntime(loadSettings({ DATABASE_URL: t.url, LOG_LEVEL: "silent" }));
  });
  afterAll(async () => {
    await rt?.close();
    await t?.drop();
  });

  it("creates an account with a scrypt hash, never the password", async () => {
    expect(await run(["wangli", "--role", "admin", "--name", "王丽"], "长城-长江-黄河-2026")).toEqual({
      code: 0,
      lines: ["✓ 已创建账号 wangli：管理员（全部，含运维）。"],
    });
    const user = (await findConsoleUser(rt.database.db, "wangli"))!;
    expect(user).toMatchObject({ role: "admin", displayName: "王丽" });
    expect(user.passwordHash).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(user.passwordHash).not.toContain("长城");
    expect(await verifyPassword("长城-长江-黄河-2026", user.passwordHash)).toBe(true);
    expect(await verifyPassword("长城-长江-黄河-2027", user.passwordHash)).toBe(false);
  });

  it("resets the role and password of an existing account", async () => {
    expect(await run(["wangli", "--role", "official"], "another-password")).toEqual({
      code: 0,
      lines: ["✓ 已更新账号 wangli：领导（只读）（原有登录已失效）。"],
    });
    const user = (await findConsoleUser(rt.database.db, "wangli"))!;
    expect(user.role).toBe("official");
    expect(await verifyPassword("another-password", user.passwordHash)).toBe(true);
  });

  it("refuses a short password, an unknown role and a missing name", async () => {
    expect(await run(["lisi", "--role", "clerk"], "short")).toEqual({ code: 2, lines: ["✗ 密码至少 10 个字符。"] });
    expect((await run(["lisi", "--role", "boss"], "long-enough-1")).code).toBe(2);
    expect((await run(["--role", "clerk"], "long-enough-1")).code).toBe(2);
    expect(await findConsoleUser(rt.database.db, "lisi")).toBeNull();
  });

  it("reads the password from piped stdin, without its newline", () => {
    const module = join(import.meta.dirname, "../../services/cli/src/password-input.ts");
    const script = `import { readPasswordFromStdin } from ${JSON.stringify(module)}; process.stdout.write(JSON.stringify(await readPasswordFromStdin()));`;
    const run = (input: string) => spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { input, encoding: "utf8" }).stdout;
    expect(run("长城-长江-黄河-2026\n")).toBe(JSON.stringify("长城-长江-黄河-2026"));
    expect(run("no-newline-at-end")).toBe(JSON.stringify("no-newline-at-end"));
  });
});
