import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { simpleParser } from "mailparser";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { stringify } from "yaml";
import yauzl from "yauzl";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSettings, openRuntime, startRoles, userAddCommand, type Running, type Runtime } from "@baosong/svc-cli";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { startDovecot, type Dovecot } from "../support/dovecot.ts";
import { freePort, startPrivateRedis, type PrivateRedis } from "../support/redis.ts";
import { startSmtpPeer, type SmtpPeer } from "../support/smtp-peer.ts";
import { testCampaign } from "../support/campaign.ts";

/**
 * The clerk's console in a real browser (Debian chromium through playwright-core) against
 * the real stack that `pnpm start` runs: mails APPENDed to Dovecot, fetched by the poller,
 * filed by the worker, then read, downloaded and repaired through the pages.
 */
const chromiumPath = process.env.BAOSONG_CHROMIUM ?? "/usr/bin/chromium";
const chromiumFlags = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
];
const shots = join(import.meta.dirname, "../../test-output/console");
const fixtures = join(import.meta.dirname, "../fixtures");
const INBOX_USER = "112812581@qq.com";
const SLUG = "test-rongchang";
const CLERK = { username: "zhangsan", password: "correct-horse-电池" };
const OFFICIAL = { username: "lingdao", password: "official-password-1" };
const viewports = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } };

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** A stranger's statistics form that names no school: filed as unattributed. */
async function strangerMail(): Promise<Buffer> {
  return new MailComposer({
    from: "someone@163.com",
    to: INBOX_USER,
    subject: "统计表",
    messageId: "<stranger-stats@163.com>",
    date: new Date(),
    attachments: [{ filename: "统计.xlsx", content: readFileSync(join(fixtures, "forms/sichuan-stats.xlsx")) }],
  })
    .compile()
    .build();
}

function zipContents(file: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, decodeStrings: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const out = new Map<string, Buffer>();
      zip.on("entry", (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const chunks: Buffer[] = [];
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("end", () => (out.set(entry.fileName, Buffer.concat(chunks)), zip.readEntry()));
        });
      });
      zip.on("end", () => resolve(out));
      zip.readEntry();
    });
  });
}

describe("the clerk's console", () => {
  let t: TestDatabase;
  let dovecot: Dovecot;
  let peer: SmtpPeer;
  let redis: PrivateRedis;
  let dir: string;
  let rt: Runtime;
  let running: Running | null = null;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  const mailed = new Map<string, Buffer>();

  const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const screenshot = async (name: string) => {
    for (const [size, viewport] of Object.entries(viewports)) {
      await page.setViewportSize(viewport);
      await page.screenshot({ path: join(shots, `${name}-${size}.png`), fullPage: true });
    }
    await page.setViewportSize(viewports.desktop);
  };
  const cell = (school: string, column: number) => page.locator(`#grid tr:has(td.school a:text-is("${school}")) td.s`).nth(column);
  const sessionCookie = async () => (await context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");

  beforeAll(async () => {
    [t, dovecot, peer, redis] = await Promise.all([
      createTestDatabase(),
      startDovecot(),
      startSmtpPeer({ auth: { user: INBOX_USER, pass: "zxcvbnmlkjhgfdsa" } }),
      startPrivateRedis(),
    ]);
    await dovecot.addUser(INBOX_USER, "qwertyuiopasdfgh");
    dir = await mkdtemp(join(tmpdir(), "baosong-console-"));
    await mkdir(shots, { recursive: true });
    const campaign = testCampaign({
      mailboxes: [
        {
          id: "main",
          address: INBOX_USER,
          imap: { host: dovecot.host, port: dovecot.port, secure: false, user: INBOX_USER, password_env: "E2E_IMAP_CODE" },
          poll_interval_seconds: 5,
        },
      ],
      smtp: { host: peer.host, port: peer.port, secure: false, user: INBOX_USER, password_env: "E2E_SMTP_CODE", from_name: "荣昌区教委职成科" },
    });
    const file = join(dir, "campaign.yaml");
    await writeFile(file, stringify(campaign));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    rt = await openRuntime(
      loadSettings({
        DATABASE_URL: t.url,
        REDIS_URL: redis.url,
        BAOSONG_BLOB_DIR: join(dir, "blobs"),
        BAOSONG_CAMPAIGNS: file,
        BAOSONG_WEB_PORT: String(port),
        LOG_LEVEL: "silent",
      }),
    );
    running = await startRoles(rt, ["poller", "worker", "sender", "web"], { E2E_IMAP_CODE: "qwertyuiopasdfgh", E2E_SMTP_CODE: "zxcvbnmlkjhgfdsa" });
    const lines: string[] = [];
    expect(
      await userAddCommand(
        rt,
        [CLERK.username, "--role", "clerk", "--name", "张三"],
        (l) => lines.push(l),
        async () => CLERK.password,
      ),
    ).toBe(0);
    expect(
      await userAddCommand(
        rt,
        [OFFICIAL.username, "--role", "official"],
        (l) => lines.push(l),
        async () => OFFICIAL.password,
      ),
    ).toBe(0);
    expect(lines).toEqual(["✓ 已创建账号 zhangsan：经办人（查看与处理）。", "✓ 已创建账号 lingdao：领导（只读）。"]);

    const school = readFileSync(join(fixtures, "mail/school-info-form.eml"));
    for (const a of (await simpleParser(school)).attachments) mailed.set(a.filename!, a.content);
    await dovecot.append(INBOX_USER, "INBOX", school);
    await dovecot.append(INBOX_USER, "INBOX", await strangerMail());
    await until("both mails are filed", async () => (await t.pool.query("select count(*)::int as n from messages")).rows[0].n === 2);

    // Chromium names a download "download" when the locale's charset cannot spell the file's
    // name: in the C locale a Chinese name cannot be a file name. A clerk's desktop is UTF-8.
    const utf8 = /utf-?8/i.test(process.env.LC_ALL || process.env.LANG || "");
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumFlags, env: utf8 ? process.env : { ...process.env, LC_ALL: "C.UTF-8" } });
    context = await browser.newContext({ acceptDownloads: true, locale: "zh-CN", viewport: viewports.desktop });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
  });

  afterAll(async () => {
    await browser?.close();
    await running?.stop();
    await rt?.close();
    await Promise.all([t?.drop(), dovecot?.stop(), peer?.close(), redis?.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses every page and file without a session, except /healthz", async () => {
    for (const path of [
      "/",
      `/c/${SLUG}`,
      `/c/${SLUG}/pending`,
      `/c/${SLUG}/export.zip`,
      `/c/${SLUG}/file/${sha256(mailed.get("活动照片1.png")!)}`,
      "/ops",
      "/ops/queues/",
      "/metrics",
    ]) {
      const r = await fetch(base + path, { redirect: "manual" });
      expect({ path, status: r.status }).toEqual({ path, status: 401 });
    }
    const html = await fetch(`${base}/c/${SLUG}`, { redirect: "manual", headers: { accept: "text/html" } });
    expect(html.status).toBe(302);
    expect(html.headers.get("location")).toBe(`/login?next=${encodeURIComponent(`/c/${SLUG}`)}`);
    const assign = await fetch(`${base}/c/${SLUG}/assign`, {
      method: "POST",
      body: new URLSearchParams({ message_id: "stranger-stats@163.com", school: "益民技校" }),
    });
    expect(assign.status).toBe(401);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it("logs a clerk in and shows the campaign's grid of what was ingested", async () => {
    await page.goto(`${base}/c/${SLUG}`);
    expect(new URL(page.url()).pathname).toBe("/login");
    await screenshot("login");
    await page.fill('input[name="username"]', CLERK.username);
    await page.fill('input[name="password"]', "wrong-password-0");
    await page.click('button[type="submit"]');
    await expect(page.locator(".alert").textContent()).resolves.toBe("用户名或密码不正确。");
    await page.fill('input[name="username"]', CLERK.username);
    await page.fill('input[name="password"]', CLERK.password);
    await page.click('button[type="submit"]');
    await page.waitForURL(`${base}/c/${SLUG}`);
    const cookie = (await context.cookies()).find((c) => c.name === "bs_session")!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict", secure: false });

    expect(await page.locator("h1").textContent()).toBe("2022年荣昌区职业教育活动周");
    expect(await page.locator("#grid thead th").allTextContents()).toEqual(["学校", "信息采集表", "情况统计表"]);
    // The info form came in 2026 for a 2022 deadline: late; the stats form never came: missing.
    expect(await cell("重庆市荣昌区职业教育中心", 0).getAttribute("data-status")).toBe("late");
    expect(await cell("重庆市荣昌区职业教育中心", 1).getAttribute("data-status")).toBe("missing");
    expect(await cell("重庆益民技工学校", 1).textContent()).toBe("✗ 未交");
    await screenshot("overview");
  });

  it("opens a school and downloads a Chinese-named file and the school's zip, byte for byte as mailed", async () => {
    await page.click('a:text-is("重庆市荣昌区职业教育中心")');
    await page.waitForURL(/\/school\//);
    expect(await page.locator("h1").textContent()).toBe("重庆市荣昌区职业教育中心");
    expect(await page.locator(".mail").count()).toBe(1);
    await screenshot("school");

    const [download] = await Promise.all([page.waitForEvent("download"), page.click('a.file:text-is("2022年职业教育活动周信息采集表.xlsx")')]);
    expect(download.suggestedFilename()).toBe("2022年职业教育活动周信息采集表.xlsx");
    const got = await readFile((await download.path())!);
    expect(sha256(got)).toBe(sha256(mailed.get("2022年职业教育活动周信息采集表.xlsx")!));

    const [zipDownload] = await Promise.all([page.waitForEvent("download"), page.click("#school-zip")]);
    expect(zipDownload.suggestedFilename()).toBe("重庆市荣昌区职业教育中心.zip");
    const entries = await zipContents((await zipDownload.path())!);
    expect([...entries.keys()].sort()).toEqual(["活动照片/活动照片1.png", "信息采集表/2022年职业教育活动周信息采集表.xlsx"].sort());
    expect(sha256(entries.get("信息采集表/2022年职业教育活动周信息采集表.xlsx")!)).toBe(sha256(mailed.get("2022年职业教育活动周信息采集表.xlsx")!));
    expect(sha256(entries.get("活动照片/活动照片1.png")!)).toBe(sha256(mailed.get("活动照片1.png")!));
  });

  it("refuses an action with a wrong CSRF token, and an official's repair", async () => {
    const cookie = await sessionCookie();
    const forged = await fetch(`${base}/c/${SLUG}/assign`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: "not-the-token", message_id: "stranger-stats@163.com", school: "重庆益民技工学校" }),
    });
    expect(forged.status).toBe(403);
    const official = await browser.newContext();
    const p = await official.newPage();
    await p.goto(`${base}/login`);
    await p.fill('input[name="username"]', OFFICIAL.username);
    await p.fill('input[name="password"]', OFFICIAL.password);
    await p.click('button[type="submit"]');
    await p.waitForURL(`${base}/c/${SLUG}`);
    await p.goto(`${base}/c/${SLUG}/pending`);
    expect(await p.locator("form.assign").count()).toBe(0);
    expect((await p.goto(`${base}/ops`))!.status()).toBe(403);
    await official.close();
    const { rows } = await t.pool.query("select school, status from dashboard.messages where message_id = 'stranger-stats@163.com'");
    expect(rows).toEqual([{ school: null, status: "unattributed" }]);
  });

  it("assigns an unattributed mail: the grid changes and the audit log says who did it", async () => {
    await page.goto(`${base}/c/${SLUG}/pending`);
    expect(await page.locator("#unattributed tr").count()).toBe(2);
    await screenshot("pending");
    await page.selectOption("#unattributed select", "重庆益民技工学校");
    await page.click('#unattributed button:text-is("指定")');
    await page.waitForURL(/pending\?(done|error)=/);
    expect(await page.locator(".flash, .alert").textContent()).toBe("已将邮件登记为 重庆益民技工学校。");
    expect(await page.locator("#unattributed").count()).toBe(0);
    const audit = await page.locator("#audit tr").nth(1).locator("td").allTextContents();
    expect(audit.slice(1)).toEqual(["zhangsan", "指定学校", "stranger-stats@163.com", "未识别", "重庆益民技工学校"]);
    await screenshot("pending-after");
    const { rows } = await t.pool.query("select actor, action, target, before, after from audit_log");
    expect(rows).toEqual([
      { actor: "zhangsan", action: "message.assign", target: "stranger-stats@163.com", before: { school: null }, after: { school: "重庆益民技工学校" } },
    ]);

    await page.goto(`${base}/c/${SLUG}`);
    expect(await cell("重庆益民技工学校", 1).getAttribute("data-status")).toBe("late");
  });

  it("re-runs a mail's understanding without losing the clerk's assignment, and resends a 回执 once", async () => {
    await page.goto(`${base}/c/${SLUG}/pending`);
    await page.fill('form[action$="/reprocess"] input[name="message_id"]', "stranger-stats@163.com");
    await page.click('form[action$="/reprocess"] button');
    await page.waitForURL(/pending\?(done|error)=/);
    expect(await page.locator(".flash, .alert").textContent()).toBe("已重新识别：现为 重庆益民技工学校。");
    const { rows } = await t.pool.query("select school, attributed_by from dashboard.messages where message_id = 'stranger-stats@163.com'");
    expect(rows).toEqual([{ school: "重庆益民技工学校", attributed_by: "manual" }]);

    const csrf = await page.inputValue('form[action$="/resend"] input[name="_csrf"]');
    const nonce = await page.inputValue('form[action$="/resend"] input[name="nonce"]');
    await page.fill('form[action$="/resend"] input[name="message_id"]', "info-form-2022@rczj.example.cn");
    await page.click('form[action$="/resend"] button');
    await page.waitForURL(/pending\?(done|error)=/);
    expect(await page.locator(".flash, .alert").textContent()).toBe("回执将重新发送至 rczj@example.cn。");
    // The same form sent twice (a double click) queues nothing more.
    const again = await fetch(`${base}/c/${SLUG}/resend`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie: await sessionCookie(), "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: csrf, nonce, message_id: "info-form-2022@rczj.example.cn" }),
    });
    expect(again.status).toBe(303);
    const [first, second] = await peer.waitFor(2, 60_000);
    expect(second!.parsed.subject).toBe(first!.parsed.subject);
    expect(second!.parsed.inReplyTo).toBe("<info-form-2022@rczj.example.cn>");
    expect((await t.pool.query("select count(*)::int as n from outbox where dedupe_key like '%:resend:%'")).rows[0].n).toBe(1);
    const actions = (await t.pool.query("select action from audit_log order by id")).rows.map((r) => r.action);
    expect(actions).toEqual(["message.assign", "message.reprocess", "ack.resend"]);
  });

  it("exports the campaign as a zip with an index workbook, and the digest workbook", async () => {
    await page.goto(`${base}/c/${SLUG}/export`);
    await screenshot("export");
    const [zip] = await Promise.all([page.waitForEvent("download"), page.click("#export-zip")]);
    const entries = await zipContents((await zip.path())!);
    expect([...entries.keys()].sort()).toEqual(
      [
        "文件与表格索引.xlsx",
        "重庆市荣昌区职业教育中心/信息采集表/2022年职业教育活动周信息采集表.xlsx",
        "重庆市荣昌区职业教育中心/活动照片/活动照片1.png",
        "重庆益民技工学校/情况统计表/统计.xlsx",
      ].sort(),
    );
    expect(sha256(entries.get("重庆益民技工学校/情况统计表/统计.xlsx")!)).toBe(sha256(readFileSync(join(fixtures, "forms/sichuan-stats.xlsx"))));
    // The index, written as the zip streams: a row per file with its place in the zip, and the latest forms.
    const index = new ExcelJS.Workbook();
    await index.xlsx.load(entries.get("文件与表格索引.xlsx")! as unknown as ArrayBuffer);
    expect(index.worksheets.map((w) => w.name)).toEqual(["文件", "信息采集表", "情况统计表"]);
    const listed = index
      .getWorksheet("文件")!
      .getSheetValues()
      .slice(2)
      .map((row) => (row as unknown[])[4]);
    expect(listed.sort()).toEqual([...entries.keys()].filter((k) => k !== "文件与表格索引.xlsx").sort());
    expect(index.getWorksheet("情况统计表")!.rowCount).toBe(2);
    const [digest] = await Promise.all([page.waitForEvent("download"), page.click("#digest-xlsx")]);
    expect(digest.suggestedFilename()).toMatch(/\.xlsx$/);
    expect((await readFile((await digest.path())!)).subarray(0, 2).toString()).toBe("PK");
  });

  it("shows an admin the 运维 page and the queue board; /healthz turns unhealthy when Redis stops", async () => {
    const lines: string[] = [];
    await userAddCommand(
      rt,
      ["root", "--role", "admin"],
      (l) => lines.push(l),
      async () => "admin-password-1",
    );
    const admin = await browser.newContext({ viewport: viewports.desktop });
    const p = await admin.newPage();
    await p.goto(`${base}/login?next=/ops`);
    await p.fill('input[name="username"]', "root");
    await p.fill('input[name="password"]', "admin-password-1");
    await p.click('button[type="submit"]');
    await p.waitForURL(`${base}/ops`);
    expect(await p.locator("#health td:nth-child(2)").allTextContents()).toEqual(["正常", "正常", "正常"]);
    const saved = page;
    page = p;
    await screenshot("ops");
    expect((await p.goto(`${base}/ops/queues/`))!.status()).toBe(200);
    const metrics = await p.goto(`${base}/metrics`);
    const text = await metrics!.text();
    expect(text).toContain(`baosong_mails{campaign="${SLUG}",status="filed"} 2`);
    expect(text).toMatch(/baosong_outbox_mails\{campaign="test-rongchang",kind="ack",status="\w+"\} 1/);
    page = saved;
    await admin.close();

    await redis.stop();
    const down = await fetch(`${base}/healthz`);
    expect(down.status).toBe(503);
    const body = (await down.json()) as { status: string; checks: { name: string; ok: boolean }[] };
    expect(body.status).toBe("unhealthy");
    expect(body.checks.find((c) => c.name === "redis")?.ok).toBe(false);
    expect(body.checks.find((c) => c.name === "postgres")?.ok).toBe(true);
    await redis.start();
    await until("/healthz is healthy again", async () => (await fetch(`${base}/healthz`)).status === 200, 30_000);
  });
});
