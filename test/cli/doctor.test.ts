import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { runCli } from "../support/cli.ts";
import { startSmtpPeer, type SmtpPeer } from "../support/smtp-peer.ts";
import { testCampaign } from "../support/campaign.ts";

/** A port where nothing listens: connections are refused at once. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe("baosong doctor", () => {
  let t: TestDatabase;
  let peer: SmtpPeer;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    peer = await startSmtpPeer({ auth: { user: "112812581@qq.com", pass: "right-code" } });
    dir = await mkdtemp(join(tmpdir(), "baosong-doctor-"));
    const campaign = testCampaign({
      mailboxes: [
        {
          id: "main",
          address: "112812581@qq.com",
          provider: "qq",
          imap: { host: "127.0.0.1", port: await closedPort(), secure: false, user: "112812581@qq.com", password_env: "DOCTOR_IMAP_CODE" },
        },
        {
          id: "second",
          address: "second@qq.com",
          imap: { host: "127.0.0.1", port: 993, secure: true, user: "second@qq.com", password_env: "DOCTOR_UNSET_CODE" },
        },
      ],
      smtp: { host: "127.0.0.1", port: peer.port, secure: false, user: "112812581@qq.com", password_env: "DOCTOR_SMTP_CODE", from_name: "测试" },
    });
    file = join(dir, "campaign.yaml");
    await writeFile(file, stringify(campaign));
    const applied = await runCli(["campaign", "apply", file], { DATABASE_URL: t.url });
    expect(applied.code).toBe(0);
  });
  afterAll(async () => {
    await peer?.close();
    await t?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it("says in one line each what works and what to do about what does not", async () => {
    const r = await runCli(["doctor"], {
      DATABASE_URL: t.url,
      REDIS_URL: "redis://127.0.0.1:6379",
      DOCTOR_IMAP_CODE: "abcdefghijklmnop",
      DOCTOR_SMTP_CODE: "right-code",
    });
    const lines = r.stdout.trim().split("\n");
    expect(lines.find((l) => l.includes("PostgreSQL"))).toMatch(/^✓ PostgreSQL: 已连接 .*数据库结构为最新$/);
    expect(lines.find((l) => l.startsWith("✓ Redis"))).toBeDefined();
    expect(lines.find((l) => l.includes("IMAP test-rongchang/main"))).toMatch(/^✗ .*连接被拒绝——请检查端口/);
    expect(lines.find((l) => l.includes("IMAP test-rongchang/second"))).toMatch(/^✗ .*环境变量 DOCTOR_UNSET_CODE 未设置/);
    expect(lines.find((l) => l.includes("SMTP test-rongchang"))).toMatch(/^✓ .*登录成功，可以发信$/);
    expect(lines.at(-1)).toBe("共 2 项需要处理。");
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain("abcdefghijklmnop");
    expect(r.stdout).not.toContain("right-code");
  });

  it("explains a wrong SMTP authorization code the QQ way", async () => {
    const r = await runCli(["doctor"], { DATABASE_URL: t.url, DOCTOR_SMTP_CODE: "wrong-code" });
    expect(r.stdout).toMatch(/^✗ SMTP test-rongchang .*登录失败.*QQ邮箱须使用“授权码”/m);
    expect(r.stdout).not.toContain("wrong-code");
  });

  it("says what to do when Redis or Postgres cannot be reached", async () => {
    const port = await closedPort();
    const r = await runCli(["doctor"], { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/x`, REDIS_URL: `redis://127.0.0.1:${port}` });
    expect(r.stdout).toMatch(/^✗ PostgreSQL: 无法连接 .*请确认数据库已启动、DATABASE_URL 正确$/m);
    expect(r.stdout).toMatch(/^✗ Redis: 无法连接 .*请确认 Redis 已启动、REDIS_URL 正确$/m);
    expect(r.code).toBe(1);
  });
});
