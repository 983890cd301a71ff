import type { FastifyInstance } from "fastify";
import { campaignMailboxes, outboxFailures } from "@baosong/db";
import { dateTime, html, page } from "../html.ts";
import type { ConsoleContext } from "../console-context.ts";
import { checkHealth, within, type HealthDeps } from "../health.ts";
import { queueNames } from "../metrics.ts";
import { allowed, refuse } from "../sessions.ts";

/** 运维 (admins): pollers' heartbeat and last error, queue depths, outbox failures, the queue board. */
export function registerOps(app: FastifyInstance, ctx: ConsoleContext, health: HealthDeps): void {
  app.get("/ops", async (req, reply) => {
    if (!allowed(req, "admin")) return refuse(reply, req);
    const [mailboxes, failures, checks] = await Promise.all([campaignMailboxes(ctx.db), outboxFailures(ctx.db), checkHealth(health)]);
    const depths = await Promise.all(
      queueNames.map(async (q) => ({ q, c: await within(2000, ctx.queues.queue(q).getJobCounts("waiting", "active", "delayed", "failed")).catch(() => null) })),
    );
    const body = html`<h1>运维</h1>
      <h2>健康检查</h2><div class="scroll"><table id="health"><tr><th>项目</th><th>状态</th><th>说明</th></tr>${checks.map(
        (c) => html`<tr><td>${c.name}</td><td class="${c.ok ? "on_time" : "missing"}">${c.ok ? "正常" : "异常"}</td><td>${c.detail}</td></tr>`,
      )}</table></div>
      <h2>邮箱轮询</h2><div class="scroll"><table><tr><th>活动</th><th>邮箱</th><th>最后心跳</th><th>最后 UID</th><th>最近错误</th></tr>${mailboxes.map(
        (m) =>
          html`<tr><td>${m.campaign}</td><td>${m.mailbox}</td><td>${m.heartbeat_at ? dateTime(m.heartbeat_at) : "从未"}</td><td class="num">${String(m.last_uid)}</td><td>${m.last_error ? html`<span class="error">${m.last_error}</span> ${dateTime(m.last_error_at)}` : ""}</td></tr>`,
      )}</table></div>
      <h2>队列</h2><div class="scroll"><table><tr><th>队列</th><th>等待</th><th>处理中</th><th>延迟</th><th>失败</th></tr>${depths.map(
        ({ q, c }) =>
          html`<tr><td>${q}</td>${c ? html`<td class="num">${c.waiting}</td><td class="num">${c.active}</td><td class="num">${c.delayed}</td><td class="num">${c.failed}</td>` : html`<td colspan="4" class="error">Redis 不可用</td>`}</tr>`,
      )}</table></div>
      <p><a class="button" href="/ops/queues/">打开队列面板（bull-board）</a> <a href="/metrics">/metrics</a> <a href="/healthz">/healthz</a></p>
      <h2>发送失败的邮件（${failures.length}）</h2>${
        failures.length
          ? html`<div class="scroll"><table><tr><th>活动</th><th>收件人</th><th>主题</th><th>错误</th><th>时间</th></tr>${failures.map(
              (o) =>
                html`<tr><td>${o.campaign}</td><td>${o.to_address}</td><td>${o.subject}</td><td class="error">${o.last_error}</td><td>${dateTime(o.created_at)}</td></tr>`,
            )}</table></div>`
          : html`<p class="muted">没有。</p>`
      }`;
    return reply.type("text/html; charset=utf-8").send(page({ title: "运维", user: req.session!.user, csrf: req.session!.csrfToken, active: "ops" }, body));
  });
}
