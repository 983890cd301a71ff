import type { FastifyInstance } from "fastify";
import { randomBytes } from "node:crypto";
import { jobIds } from "@baosong/queue";
import {
  assignMessage,
  confirmAttribution,
  listAudit,
  resendAcknowledgement,
  messagesNeedingConfirmation,
  openErrors,
  recordAudit,
  unattributedMessages,
  unreadableDocuments,
  type AuditRow,
} from "@baosong/db";
import { dateTime, html, page, type Html } from "../html.ts";
import type { ConsoleContext } from "../console-context.ts";
import { allowed, refuse } from "../sessions.ts";

const actionNames: Record<string, string> = {
  "message.assign": "指定学校",
  "message.confirm": "确认学校",
  "message.reprocess": "重新识别",
  "ack.resend": "重发回执",
};

/** 待处理: what a person must decide, the forms to decide it, and the audit log of what was decided. */
export function registerPending(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get<{ Params: { slug: string }; Querystring: { done?: string; error?: string } }>("/c/:slug/pending", async (req, reply) => {
    const found = await ctx.campaign(req.params.slug);
    if (!found) return reply.callNotFound();
    const { slug, campaign } = found;
    const tz = campaign.timezone;
    const csrf = req.session!.csrfToken;
    const canRepair = allowed(req, "clerk");
    const base = `/c/${encodeURIComponent(slug)}`;
    const [unattributed, unconfirmed, unreadable, errors, audit] = await Promise.all([
      unattributedMessages(ctx.db, slug),
      messagesNeedingConfirmation(ctx.db, slug),
      unreadableDocuments(ctx.db, slug),
      openErrors(ctx.db, slug),
      listAudit(ctx.db, slug),
    ]);
    const schoolOptions = html`${campaign.schools.map((s) => html`<option>${s.name}</option>`)}`;
    const assignForm = (messageId: unknown, label: string) =>
      canRepair
        ? html`<form method="post" action="${base}/assign" class="assign"><input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="message_id" value="${String(messageId)}">
            <select name="school" aria-label="学校" required><option value="">选择学校…</option>${schoolOptions}</select> <button class="primary">${label}</button></form>`
        : html``;
    const repairs = canRepair
      ? html`<div class="card"><h2>按 Message-ID 处理</h2><p class="muted">名册或活动设置改变后，可重新识别一封邮件（不会重复发送回执）；也可向发件人重发回执。Message-ID 见学校页面。</p>
          <form method="post" action="${base}/reprocess" class="filters"><input type="hidden" name="_csrf" value="${csrf}"><label>Message-ID<input name="message_id" required size="36"></label><button>重新识别</button></form>
          <form method="post" action="${base}/resend" class="filters"><input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="nonce" value="${randomBytes(9).toString("base64url")}"><label>Message-ID<input name="message_id" required size="36"></label><button>重发回执</button></form></div>`
      : html``;
    const body = html`<h1>待处理</h1>
      ${req.query.done ? html`<p class="flash">${req.query.done}</p>` : ""}${req.query.error ? html`<p class="alert">${req.query.error}</p>` : ""}
      <h2>未识别学校的来信（${unattributed.length}）</h2>
      ${
        unattributed.length
          ? html`<div class="scroll"><table id="unattributed"><tr><th>收到时间</th><th>发件人</th><th>主题</th><th>处理</th></tr>${unattributed.map(
              (m) =>
                html`<tr><td>${dateTime(m.received_at, tz)}</td><td>${m.from_address}</td><td>${m.subject}</td><td>${assignForm(m.message_id, "指定")}</td></tr>`,
            )}</table></div>`
          : html`<p class="muted">没有。</p>`
      }
      <h2>需要确认的来信（${unconfirmed.length}）</h2>
      <p class="muted">按校名或表格单位识别、但发件邮箱不在名册中的来信：确认后其表格才视同学校名册邮箱发来。</p>
      ${
        unconfirmed.length
          ? html`<div class="scroll"><table><tr><th>收到时间</th><th>发件人</th><th>主题</th><th>识别为</th><th>处理</th></tr>${unconfirmed.map(
              (m) =>
                html`<tr><td>${dateTime(m.received_at, tz)}</td><td>${m.from_address}</td><td>${m.subject}</td><td>${m.school}</td><td>${
                  canRepair
                    ? html`<form method="post" action="${base}/confirm" class="inline"><input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="message_id" value="${String(m.message_id)}"><button>确认</button></form> ${assignForm(m.message_id, "改为")}`
                    : ""
                }</td></tr>`,
            )}</table></div>`
          : html`<p class="muted">没有。</p>`
      }
      <h2>无法读取的文件（${unreadable.length}）</h2>
      ${
        unreadable.length
          ? html`<div class="scroll"><table><tr><th>学校</th><th>文件</th><th>收到时间</th></tr>${unreadable.map(
              (d) =>
                html`<tr><td>${d.school ?? "未识别"}</td><td><a href="${base}/file/${String(d.sha256)}">${d.filename}</a></td><td>${dateTime(d.received_at, tz)}</td></tr>`,
            )}</table></div>`
          : html`<p class="muted">没有。</p>`
      }
      <h2>未解决的错误（${errors.length}）</h2>
      ${
        errors.length
          ? html`<div class="scroll"><table><tr><th>学校</th><th>文件</th><th>问题</th></tr>${errors.map(
              (f) => html`<tr><td>${f.school ?? "未识别"}</td><td>${f.filename ?? "（邮件）"}</td><td class="error">${f.message}</td></tr>`,
            )}</table></div>`
          : html`<p class="muted">没有。</p>`
      }
      ${repairs}
      <h2>操作记录</h2>${auditTable(audit, tz)}`;
    return reply.type("text/html; charset=utf-8").send(page({ title: "待处理", user: req.session!.user, csrf, campaign: slug, active: "pending" }, body));
  });

  app.post<{ Params: { slug: string }; Body: { message_id?: string; school?: string } }>("/c/:slug/assign", async (req, reply) => {
    if (!allowed(req, "clerk")) return refuse(reply, req);
    const found = await ctx.campaign(req.params.slug);
    if (!found) return reply.callNotFound();
    const back = `/c/${encodeURIComponent(found.slug)}/pending`;
    const messageId = String(req.body?.message_id ?? "");
    const r = await assignMessage(ctx.db, messageId, String(req.body?.school ?? ""), found.slug);
    if (!r.ok)
      return reply.redirect(
        `${back}?error=${encodeURIComponent(`未能指定：${r.reason === "no_school" || r.reason === "ambiguous_school" ? "请选择名册中的学校" : "找不到这封邮件"}。`)}`,
        303,
      );
    await recordAudit(ctx.db, {
      campaignId: found.id,
      actor: req.session!.user.username,
      action: "message.assign",
      target: messageId,
      before: { school: r.previous },
      after: { school: r.school },
    });
    req.log.info({ msg: "mail assigned in the console", action: "message.assign", campaign: found.slug });
    return reply.redirect(`${back}?done=${encodeURIComponent(`已将邮件登记为 ${r.school}。`)}`, 303);
  });

  registerRepairs(app, ctx);

  app.post<{ Params: { slug: string }; Body: { message_id?: string } }>("/c/:slug/confirm", async (req, reply) => {
    if (!allowed(req, "clerk")) return refuse(reply, req);
    const found = await ctx.campaign(req.params.slug);
    if (!found) return reply.callNotFound();
    const back = `/c/${encodeURIComponent(found.slug)}/pending`;
    const messageId = String(req.body?.message_id ?? "");
    const r = await confirmAttribution(ctx.db, found.id, messageId, req.session!.user.username);
    if (!r) return reply.redirect(`${back}?error=${encodeURIComponent("找不到这封邮件。")}`, 303);
    return reply.redirect(`${back}?done=${encodeURIComponent(`已确认邮件来自 ${r.school}。`)}`, 303);
  });
}

function registerRepairs(app: FastifyInstance, ctx: ConsoleContext): void {
  app.post<{ Params: { slug: string }; Body: { message_id?: string } }>("/c/:slug/reprocess", async (req, reply) => {
    if (!allowed(req, "clerk")) return refuse(reply, req);
    const found = await ctx.campaign(req.params.slug);
    if (!found) return reply.callNotFound();
    const back = `/c/${encodeURIComponent(found.slug)}/pending`;
    const messageId = String(req.body?.message_id ?? "").trim();
    // The worker's modules (mail parsing, document readers) load on the first reprocess, not
    // with the console: a process that runs only the web role does not carry them idle.
    const { reprocessMessage } = await import("@baosong/svc-worker");
    const r = await reprocessMessage(
      { db: ctx.db, blobs: ctx.blobs, queues: ctx.queues, logger: ctx.logger },
      messageId,
      req.session!.user.username,
      found.slug,
    );
    if (!r.ok) return reply.redirect(`${back}?error=${encodeURIComponent("找不到这封邮件。")}`, 303);
    return reply.redirect(`${back}?done=${encodeURIComponent(`已重新识别：现为 ${r.after.school ?? "未识别学校"}。`)}`, 303);
  });

  app.post<{ Params: { slug: string }; Body: { message_id?: string; nonce?: string } }>("/c/:slug/resend", async (req, reply) => {
    if (!allowed(req, "clerk")) return refuse(reply, req);
    const found = await ctx.campaign(req.params.slug);
    if (!found) return reply.callNotFound();
    const back = `/c/${encodeURIComponent(found.slug)}/pending`;
    const nonce = String(req.body?.nonce ?? "");
    if (!/^[\w-]{8,32}$/.test(nonce)) return reply.redirect(`${back}?error=${encodeURIComponent("页面已过期，请刷新后再试。")}`, 303);
    const r = await resendAcknowledgement(
      ctx.db,
      found.id,
      String(req.body?.message_id ?? "")
        .trim()
        .replace(/^<|>$/g, ""),
      nonce,
      req.session!.user.username,
    );
    if (!r.ok)
      return reply.redirect(`${back}?error=${encodeURIComponent(r.reason === "no_address" ? "这封邮件没有可回复的地址。" : "这封邮件没有回执。")}`, 303);
    await ctx.queues.add("mail.send", { outboxId: r.outboxId }, jobIds.send({ outboxId: r.outboxId }));
    return reply.redirect(`${back}?done=${encodeURIComponent(`回执将重新发送至 ${r.to}。`)}`, 303);
  });
}

export function auditTable(rows: AuditRow[], tz: string): Html {
  if (!rows.length) return html`<p class="muted">还没有操作。</p>`;
  const show = (v: unknown) =>
    v && typeof v === "object"
      ? Object.values(v as Record<string, unknown>)
          .map((x) => x ?? "未识别")
          .join("，")
      : v == null
        ? ""
        : String(v);
  return html`<div class="scroll"><table id="audit"><tr><th>时间</th><th>操作人</th><th>操作</th><th>对象</th><th>之前</th><th>之后</th></tr>${rows.map(
    (a) =>
      html`<tr><td>${dateTime(a.at, tz)}</td><td>${a.actor}</td><td>${actionNames[a.action] ?? a.action}</td><td>${a.target}</td><td>${show(a.before)}</td><td>${show(a.after)}</td></tr>`,
  )}</table></div>`;
}
