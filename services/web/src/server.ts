import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import cookie from "@fastify/cookie";
import formbody from "@fastify/formbody";
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { FastifyAdapter } from "@bull-board/fastify";
import { Redis } from "ioredis";
import type { BlobStore } from "@baosong/blobs";
import type { Database } from "@baosong/db";
import type { Logger } from "@baosong/log";
import { JobQueues } from "@baosong/queue";
import { consoleContext } from "./console-context.ts";
import { consoleCss } from "./console-css.ts";
import { registerDownloads } from "./downloads.ts";
import { checkHealth, type HealthDeps } from "./health.ts";
import { html, page } from "./html.ts";
import { consoleMetrics, queueNames } from "./metrics.ts";
import { registerExport } from "./pages/export.ts";
import { registerOps } from "./pages/ops.ts";
import { registerOverview } from "./pages/overview.ts";
import { registerPending } from "./pages/pending.ts";
import { registerSchool } from "./pages/school.ts";
import { allowed, registerSessions } from "./sessions.ts";

export interface WebSettings {
  /** Set the cookies' Secure flag always (true) or never (false); by default only on TLS requests. */
  secureCookies?: boolean;
  /** Behind a TLS-terminating proxy: trust its X-Forwarded-* (so Secure cookies and client addresses are right). */
  trustProxy?: boolean;
  metricsToken?: string;
  mailboxStaleSeconds?: number;
}

export interface WebDeps {
  db: Database;
  blobs: BlobStore;
  logger: Logger;
  redisUrl: string;
  prefix: string;
  settings?: WebSettings;
  now?: () => Date;
}

export interface Console {
  app: FastifyInstance;
  close(): Promise<void>;
}

/** The clerk's console (issue 10): pages, downloads, repairs, health and metrics on one port. */
export async function buildConsole(d: WebDeps): Promise<Console> {
  const s = d.settings ?? {};
  const app = Fastify({
    loggerInstance: d.logger.child({ role: "web" }) as unknown as FastifyBaseLogger,
    trustProxy: s.trustProxy ?? false,
    // One line per request would drown the worker's log; failures are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    // Chinese school names in paths are percent-encoded UTF-8 and can be long.
    routerOptions: { maxParamLength: 500 },
  });
  const queues = new JobQueues({ redisUrl: d.redisUrl, prefix: d.prefix });
  // Fails fast instead of queueing commands while Redis is down, so /healthz answers at once.
  const redis = new Redis(d.redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 });
  redis.on("error", () => undefined);
  redis.connect().catch(() => undefined);
  const ctx = consoleContext({ db: d.db, blobs: d.blobs, queues, logger: d.logger, now: d.now });
  const health: HealthDeps = { db: d.db, redis, mailboxStaleMs: (s.mailboxStaleSeconds ?? 600) * 1000, now: ctx.now };

  await app.register(cookie);
  await app.register(formbody);
  registerSessions(app, { db: d.db, secureCookies: s.secureCookies, metricsToken: s.metricsToken, now: d.now });
  app.addHook("onSend", async (_req, reply) => {
    reply.header("x-frame-options", "SAMEORIGIN");
    reply.header("referrer-policy", "same-origin");
    if (!reply.hasHeader("cache-control")) reply.header("cache-control", "no-store");
  });

  app.get("/assets/console.css", async (_req, reply) => reply.type("text/css; charset=utf-8").header("cache-control", "public, max-age=3600").send(consoleCss));
  app.get("/healthz", async (_req, reply) => {
    const checks = await checkHealth(health);
    const ok = checks.every((c) => c.ok);
    return reply.code(ok ? 200 : 503).send({ status: ok ? "ok" : "unhealthy", checks });
  });
  const metrics = consoleMetrics(d.db, queues);
  app.get("/metrics", async (req, reply) => {
    if (req.session && !allowed(req, "admin")) return reply.code(403).send("仅管理员可查看。");
    return reply.type(metrics.contentType).send(await metrics.metrics());
  });

  registerOverview(app, ctx);
  registerSchool(app, ctx);
  registerPending(app, ctx);
  registerExport(app, ctx);
  registerDownloads(app, ctx);
  registerOps(app, ctx, health);

  // bull-board for admins only; the session hook has already refused visitors without a session.
  const board = new FastifyAdapter();
  createBullBoard({ queues: queueNames.map((q) => new BullMQAdapter(queues.queue(q))), serverAdapter: board });
  board.setBasePath("/ops/queues");
  await app.register(
    async (scope) => {
      scope.addHook("onRequest", async (req, reply) => {
        if (!allowed(req, "admin")) return reply.code(403).type("text/plain; charset=utf-8").send("仅管理员可查看。");
      });
      await scope.register(board.registerPlugin());
    },
    { prefix: "/ops/queues" },
  );

  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .type("text/html; charset=utf-8")
      .send(
        page(
          { title: "找不到", user: req.session?.user ?? null, csrf: req.session?.csrfToken },
          html`<div class="alert">找不到这个页面或文件。</div><p><a href="/">返回首页</a></p>`,
        ),
      ),
  );
  app.setErrorHandler((err, req, reply) => {
    req.log.error({ msg: "console request failed", err, url: req.url });
    return reply
      .code(500)
      .type("text/html; charset=utf-8")
      .send(page({ title: "出错了", user: req.session?.user ?? null }, html`<div class="alert">服务器处理时出错，请稍后再试；问题持续时请联系管理员。</div>`));
  });
  return {
    app,
    async close() {
      await app.close();
      await queues.close();
      redis.disconnect();
    },
  };
}

/** The `web` role: the console on `host:port` until stopped. */
export async function startWeb(d: WebDeps & { host: string; port: number }): Promise<{ url: string; stop(): Promise<void> }> {
  const c = await buildConsole(d);
  const address = await c.app.listen({ host: d.host, port: d.port });
  d.logger.info({ msg: "console listening", role: "web", address });
  return { url: address, stop: () => c.close() };
}
