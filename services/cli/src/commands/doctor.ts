import { readMigrationFiles } from "drizzle-orm/migrator";
import { ImapFlow } from "imapflow";
import nodemailer from "nodemailer";
import { Redis } from "ioredis";
import { listCampaigns, migrationsFolder } from "@baosong/db";
import type { Campaign } from "@baosong/core";
import { maskUrl } from "@baosong/log";
import type { Runtime } from "@baosong/runtime";
import { explainMailError } from "./mail-errors.ts";

export interface Check {
  name: string;
  ok: boolean;
  /** One line: what was found, and when not ok, what to do. */
  detail: string;
}

/** `baosong doctor`: each dependency checked, one line each, saying what is wrong and what to do. */
export async function doctorCommand(rt: Runtime, env: NodeJS.ProcessEnv, out: (line: string) => void): Promise<number> {
  const checks: Check[] = [];
  const record = (c: Check) => {
    checks.push(c);
    out(`${c.ok ? "✓" : "✗"} ${c.name}: ${c.detail}`);
  };

  const dbOk = await checkPostgres(rt, record);
  await checkRedis(rt.settings.REDIS_URL, record);
  if (dbOk) {
    const campaigns = await listCampaigns(rt.database.db).catch(() => []);
    if (!campaigns.length) record({ name: "活动配置", ok: false, detail: "数据库中还没有活动。请运行 pnpm baosong campaign apply examples/xxx.yaml" });
    for (const { campaign } of campaigns) await checkCampaignMail(campaign, env, record);
  }
  const failed = checks.filter((c) => !c.ok).length;
  out(failed ? `共 ${failed} 项需要处理。` : "全部检查通过。");
  return failed ? 1 : 0;
}

async function checkPostgres(rt: Runtime, record: (c: Check) => void): Promise<boolean> {
  const where = rt.embedded ? `内置数据库 PGlite（${rt.embedded.url}，数据目录 ${rt.embedded.dataDir}）` : maskUrl(rt.settings.DATABASE_URL ?? "");
  try {
    await rt.database.pool.query("select 1");
  } catch (err) {
    if ((err as { code?: string }).code === "3D000") {
      record({ name: "PostgreSQL", ok: false, detail: `服务器上还没有 ${where} 这个数据库——请运行 pnpm baosong migrate，它会创建数据库并建好表结构` });
      return false;
    }
    record({ name: "PostgreSQL", ok: false, detail: `无法连接 ${where}（${(err as Error).message}）——请确认数据库已启动、DATABASE_URL 正确` });
    return false;
  }
  const expected = readMigrationFiles({ migrationsFolder }).length;
  const applied = await rt.database.pool
    .query("select count(*)::int as n from drizzle.__drizzle_migrations")
    .then((r) => r.rows[0].n as number)
    .catch(() => 0);
  if (applied < expected) {
    record({ name: "PostgreSQL", ok: false, detail: `已连接 ${where}，但还有 ${expected - applied} 个迁移未执行——请运行 pnpm baosong migrate` });
    return false;
  }
  record({ name: "PostgreSQL", ok: true, detail: `已连接 ${where}，数据库结构为最新` });
  return true;
}

async function checkRedis(url: string, record: (c: Check) => void): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 5000, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
    record({ name: "Redis", ok: true, detail: `已连接 ${maskUrl(url)}` });
  } catch (err) {
    record({ name: "Redis", ok: false, detail: `无法连接 ${maskUrl(url)}（${(err as Error).message}）——请确认 Redis 已启动、REDIS_URL 正确` });
  } finally {
    redis.disconnect();
  }
}

async function checkCampaignMail(campaign: Campaign, env: NodeJS.ProcessEnv, record: (c: Check) => void): Promise<void> {
  for (const m of campaign.mailboxes) {
    const name = `IMAP ${campaign.slug}/${m.id} (${m.imap.user} @ ${m.imap.host}:${m.imap.port})`;
    const password = env[m.imap.password_env];
    if (!password) {
      record({ name, ok: false, detail: `环境变量 ${m.imap.password_env} 未设置——请在 .env 中写入该邮箱的授权码/密码` });
      continue;
    }
    const client = new ImapFlow({
      host: m.imap.host,
      port: m.imap.port,
      secure: m.imap.secure,
      auth: { user: m.imap.user, pass: password },
      clientInfo: { name: "Baosong", version: "1.0" },
      logger: false,
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
    });
    client.on("error", () => undefined);
    try {
      await client.connect();
      const box = await client.mailboxOpen(m.folder, { readOnly: true });
      record({
        name,
        ok: true,
        detail: `登录成功，文件夹 ${m.folder} 有 ${box.exists} 封邮件${client.capabilities.has("IDLE") ? "，支持 IDLE" : "，不支持 IDLE（将定时轮询）"}`,
      });
    } catch (err) {
      record({ name, ok: false, detail: explainMailError(err, m.provider, "imap") });
    } finally {
      await client.logout().catch(() => client.close());
    }
  }

  const s = campaign.smtp;
  const name = `SMTP ${campaign.slug} (${s.user} @ ${s.host}:${s.port})`;
  const password = env[s.password_env];
  if (!password) {
    record({ name, ok: false, detail: `环境变量 ${s.password_env} 未设置——请在 .env 中写入发信邮箱的授权码/密码` });
    return;
  }
  const transport = nodemailer.createTransport({
    host: s.host,
    port: s.port,
    secure: s.secure,
    auth: { user: s.user, pass: password },
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
  });
  try {
    await transport.verify();
    record({ name, ok: true, detail: "登录成功，可以发信" });
  } catch (err) {
    // The SMTP login is usually the mailbox's own account: same provider, same kind of code.
    const provider =
      campaign.mailboxes.find((m) => m.imap.user.toLowerCase() === s.user.toLowerCase())?.provider ??
      (/qq\.com$/.test(s.host) ? "qq" : /163\.com$/.test(s.host) ? "163" : "generic");
    record({ name, ok: false, detail: explainMailError(err, provider, "smtp") });
  } finally {
    transport.close();
  }
}
