import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { createConsoleSession, deleteConsoleSession, findConsoleSession, findConsoleUser, type ConsoleSession, type Database } from "@baosong/db";
import { html, page } from "./html.ts";
import { LoginLimiter } from "./login-limiter.ts";
import { decoyHash, verifyPassword } from "./passwords.ts";

export const SESSION_COOKIE = "bs_session";
const LOGIN_CSRF_COOKIE = "bs_login";
const SESSION_MS = 12 * 3600_000;

declare module "fastify" {
  interface FastifyRequest {
    session: ConsoleSession | null;
  }
}

export type Role = "official" | "clerk" | "admin";
const rank: Record<string, number> = { official: 1, clerk: 2, admin: 3 };

/** What may be opened without a session (the issue: nothing but /healthz, and the login itself). */
const publicPaths = new Set(["/healthz", "/login", "/assets/console.css"]);

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

function sameToken(a: unknown, b: string): boolean {
  if (typeof a !== "string" || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

export interface SessionOptions {
  db: Database;
  /** Force the Secure flag; otherwise it is set when the request came over TLS (directly or via a trusted proxy). */
  secureCookies?: boolean;
  limiter?: LoginLimiter;
  now?: () => Date;
  /** A bearer token that may read /metrics without a session (for Prometheus). */
  metricsToken?: string;
}

/**
 * Sessions in an HttpOnly, SameSite=Strict cookie (Secure behind TLS), looked up by the
 * token's hash; a synchroniser CSRF token on every state-changing request; a login limit.
 */
export function registerSessions(app: FastifyInstance, o: SessionOptions): void {
  const now = o.now ?? (() => new Date());
  const limiter = o.limiter ?? new LoginLimiter();
  const secure = (req: FastifyRequest) => o.secureCookies ?? req.protocol === "https";
  app.decorateRequest("session", null);

  app.addHook("onRequest", async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    req.session = token ? await findConsoleSession(o.db, sha256(token), now()) : null;
    const path = req.url.split("?")[0]!;
    if (publicPaths.has(path)) return;
    if (path === "/metrics" && o.metricsToken && sameToken(req.headers.authorization, `Bearer ${o.metricsToken}`)) return;
    if (!req.session) {
      if (req.method === "GET" && (req.headers.accept ?? "").includes("text/html")) return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`);
      return reply.code(401).type("text/plain; charset=utf-8").send("请先登录。");
    }
  });

  // After the body is parsed (onRequest has none yet): every action of a session carries its token.
  // bull-board's own requests carry no form token: SameSite=Strict and a same-origin check guard them.
  app.addHook("preHandler", async (req, reply) => {
    const path = req.url.split("?")[0]!;
    // The login form has its own token (a cookie of the login page): a session may not exist yet.
    if (req.method === "GET" || req.method === "HEAD" || !req.session || path === "/login") return;
    const ok = path.startsWith("/ops/queues/") ? sameOrigin(req) : sameToken(csrfOf(req), req.session.csrfToken);
    if (!ok) {
      req.log.warn({ msg: "console action refused: bad CSRF token", action: "console.csrf", path });
      return reply
        .code(403)
        .type("text/html; charset=utf-8")
        .send(page({ title: "请求被拒绝", user: null }, html`<div class="alert">页面已过期或请求来源不明，操作没有执行。请返回上一页，刷新后再试。</div>`));
    }
  });

  app.get("/login", async (req, reply) => {
    const csrf = randomBytes(18).toString("base64url");
    reply.setCookie(LOGIN_CSRF_COOKIE, csrf, { path: "/login", httpOnly: true, sameSite: "strict", secure: secure(req) });
    const q = req.query as { next?: string; e?: string };
    return reply.type("text/html; charset=utf-8").send(loginPage(csrf, q.next, q.e));
  });

  app.post("/login", async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    const username = (body.username ?? "").trim();
    const next = safeNext(body.next);
    if (!sameToken(body._csrf, req.cookies[LOGIN_CSRF_COOKIE] ?? "\0")) {
      return reply
        .code(403)
        .type("text/html; charset=utf-8")
        .send(loginPage("", next, "页面已过期，请重新打开登录页。"));
    }
    const keys = [`ip:${req.ip}`, `user:${username.toLowerCase()}`];
    const t = now().getTime();
    if (limiter.blocked(keys, t)) {
      return reply
        .code(429)
        .type("text/html; charset=utf-8")
        .send(loginPage(body._csrf!, next, "登录失败次数过多，请 15 分钟后再试。"));
    }
    const user = username ? await findConsoleUser(o.db, username) : null;
    const ok = await verifyPassword(body.password ?? "", user?.passwordHash ?? decoyHash);
    if (!user || !ok || user.disabledAt) {
      limiter.fail(keys, t);
      req.log.info({ msg: "console login refused", action: "console.login", username });
      return reply
        .code(401)
        .type("text/html; charset=utf-8")
        .send(loginPage(body._csrf!, next, "用户名或密码不正确。"));
    }
    limiter.succeed(keys);
    const token = randomBytes(32).toString("base64url");
    await createConsoleSession(o.db, {
      tokenHash: sha256(token),
      userId: user.id,
      csrfToken: randomBytes(24).toString("base64url"),
      expiresAt: new Date(t + SESSION_MS),
    });
    reply.clearCookie(LOGIN_CSRF_COOKIE, { path: "/login" });
    reply.setCookie(SESSION_COOKIE, token, { path: "/", httpOnly: true, sameSite: "strict", secure: secure(req), maxAge: SESSION_MS / 1000 });
    req.log.info({ msg: "console login", action: "console.login", username });
    return reply.redirect(next, 303);
  });

  app.post("/logout", async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token) await deleteConsoleSession(o.db, sha256(token), now());
    reply.clearCookie(SESSION_COOKIE, { path: "/" });
    return reply.redirect("/login", 303);
  });
}

function csrfOf(req: FastifyRequest): unknown {
  const body = req.body as Record<string, unknown> | undefined;
  return body?._csrf ?? req.headers["x-csrf-token"];
}

function sameOrigin(req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  return typeof origin === "string" && origin === `${req.protocol}://${req.host}`;
}

/** Only a path on this site: `//evil.example` or `https://…` would be an open redirect. */
function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])/.test(next) ? next : "/";
}

/** The role's gate for a route: officials read, clerks repair, admins run the service. */
export function allowed(req: FastifyRequest, role: Role): boolean {
  return (rank[req.session?.user.role ?? ""] ?? 0) >= rank[role]!;
}

export function refuse(reply: FastifyReply, req: FastifyRequest): FastifyReply {
  return reply
    .code(403)
    .type("text/html; charset=utf-8")
    .send(
      page(
        { title: "无权限", user: req.session?.user ?? null, csrf: req.session?.csrfToken },
        html`<div class="alert">您的账号没有执行此操作的权限。如需处理，请联系管理员。</div>`,
      ),
    );
}

function loginPage(csrf: string, next: string | undefined, error: string | undefined): string {
  return page(
    { title: "登录", user: null },
    html`<div class="login card"><h1>报送 · 管理后台</h1>
      ${error ? html`<p class="alert">${error}</p>` : ""}
      <form method="post" action="/login">
        <input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="next" value="${safeNext(next)}">
        <label>用户名<input name="username" autocomplete="username" required autofocus></label>
        <label>密码<input name="password" type="password" autocomplete="current-password" required></label>
        <button class="primary" type="submit">登录</button>
      </form>
      <p class="muted">账号由管理员用 <code>pnpm baosong user add</code> 创建。</p></div>`,
  );
}
