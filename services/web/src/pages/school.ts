import type { FastifyInstance } from "fastify";
import { kindLabels, type DocumentKind } from "@baosong/core";
import {
  schoolDocuments,
  schoolFindings,
  schoolInfoForms,
  schoolLargeAttachments,
  schoolMessages,
  schoolOutbox,
  schoolStatsForms,
  type ViewRow,
} from "@baosong/db";
import { bytes, dateTime, html, page, type Html } from "../html.ts";
import type { ConsoleContext } from "../console-context.ts";

export const parseStatusNames: Record<string, string> = { parsed: "已读取", invalid: "有误", unreadable: "无法读取", kept: "已保存" };
const outboxStatusNames: Record<string, string> = { queued: "待发送", sending: "发送中", sent: "已发送", failed: "发送失败", suppressed: "未发送" };
const outboxKindNames: Record<string, string> = { ack: "回执", reminder: "提醒", overdue: "逾期通知", digest: "日报摘要" };
const attributedNames: Record<string, string> = { sender: "名册邮箱", qq: "QQ号", name: "校名", form: "表格单位", manual: "人工指定", none: "未识别" };

const infoFields: [string, string][] = [
  ["unit_name", "单位"],
  ["contact_name", "联系人"],
  ["contact_title", "职务"],
  ["mobile", "手机"],
  ["qq", "QQ号"],
  ["website_url", "专题网站"],
  ["plan_text", "初步考虑/工作计划"],
  ["featured_text", "特色活动简介"],
];
const statsFields: [string, string][] = [
  ["unit_name", "单位"],
  ["teachers", "教师"],
  ["students", "学生"],
  ["student_coverage_pct", "学生覆盖率%"],
  ["enterprises", "企业"],
  ["total_participants", "参与总人数"],
  ["activity_items", "活动项目"],
  ["media_reports_total", "媒体报道"],
];

/** 学校: everything one school sent, in time order, with what was read, found and answered. */
export function registerSchool(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get<{ Params: { slug: string; school: string } }>("/c/:slug/school/:school", async (req, reply) => {
    const found = await ctx.campaign(req.params.slug);
    const roster = found?.campaign.schools.find((s) => s.name === req.params.school);
    if (!found || !roster) return reply.callNotFound();
    const { slug, campaign } = found;
    const school = roster.name;
    const [messages, docs, findings, infos, stats, outbox, links] = await Promise.all([
      schoolMessages(ctx.db, slug, school),
      schoolDocuments(ctx.db, slug, school),
      schoolFindings(ctx.db, slug, school),
      schoolInfoForms(ctx.db, slug, school),
      schoolStatsForms(ctx.db, slug, school),
      schoolOutbox(ctx.db, slug, school),
      schoolLargeAttachments(ctx.db, slug, school),
    ]);
    const tz = campaign.timezone;
    const base = `/c/${encodeURIComponent(slug)}`;
    const fileLink = (d: ViewRow) =>
      html`<a class="file" href="${base}/file/${String(d.sha256)}?name=${encodeURIComponent(String(d.filename))}">${d.filename}</a>`;
    const body = html`<h1>${school}</h1>
      <p class="muted">${roster.category ?? ""} ${roster.aliases.length ? `简称：${roster.aliases.join("、")}` : ""} ${roster.senders.length ? `名册邮箱：${roster.senders.join("、")}` : ""}</p>
      <p><a class="button" id="school-zip" href="${base}/school/${encodeURIComponent(school)}/files.zip">下载本校全部文件（zip，按类别分文件夹）</a></p>
      <h2>信息采集表</h2>${formTable(infos, infoFields)}
      <h2>情况统计表</h2>${formTable(stats, statsFields)}
      <h2>来信与文件（${messages.length} 封）</h2>
      ${messages.map((m) => {
        const mine = docs.filter((d) => d.message_id === m.message_id);
        const acks = outbox.filter((o) => o.message_id === m.message_id);
        const general = findings.filter((f) => f.message_id === m.message_id && !f.filename);
        return html`<div class="card mail"><div><b>${dateTime(m.received_at, tz)}</b> · ${m.from_address} · ${m.subject || "（无主题）"}</div>
          <div class="muted">识别方式：${attributedNames[String(m.attributed_by)] ?? m.attributed_by} · Message-ID ${m.message_id}</div>
          ${
            mine.length
              ? html`<div class="scroll"><table><tr><th>文件</th><th>类别</th><th>活动日</th><th>状态</th><th>大小</th></tr>${mine.map(
                  (d) => html`<tr><td>${fileLink(d)}${findingList(findings.filter((f) => f.message_id === m.message_id && f.filename === d.filename))}</td>
              <td>${kindLabels[d.kind as DocumentKind] ?? d.kind}</td><td>${d.activity_day ?? ""}</td><td>${parseStatusNames[String(d.parse_status)] ?? d.parse_status}</td><td class="num">${bytes(d.size_bytes)}</td></tr>`,
                )}</table></div>`
              : ""
          }
          ${findingList(general)}
          ${acks.map((o) => html`<div class="muted">回执 → ${o.to_address}：${outboxStatusNames[String(o.status)] ?? o.status}${o.sent_at ? ` ${dateTime(o.sent_at, tz)}` : ""}${o.suppressed_reason ? `（${o.suppressed_reason}）` : ""}</div>`)}
        </div>`;
      })}
      <h2>提醒与通知</h2>
      ${outboxTable(
        outbox.filter((o) => o.kind !== "ack"),
        tz,
      )}
      <h2>QQ 超大附件</h2>
      ${
        links.length
          ? html`<div class="scroll"><table><tr><th>文件</th><th>大小</th><th>过期时间</th></tr>${links.map(
              (l) =>
                html`<tr><td><a href="${String(l.url)}" rel="noreferrer noopener" target="_blank">${l.filename}</a></td><td>${l.size_text ?? ""}</td><td>${l.expires_at ? dateTime(l.expires_at, tz) : "未知"}</td></tr>`,
            )}</table></div>`
          : html`<p class="muted">没有超大附件。</p>`
      }`;
    return reply
      .type("text/html; charset=utf-8")
      .send(page({ title: school, user: req.session!.user, csrf: req.session!.csrfToken, campaign: slug, active: "overview" }, body));
  });
}

function findingList(found: ViewRow[]): Html {
  if (!found.length) return html``;
  return html`<ul class="findings">${found.map((f) => html`<li class="${String(f.severity)}">${f.severity === "error" ? "错误" : "提示"}：${f.message}</li>`)}</ul>`;
}

/** Each version of a form, the latest marked: SPEC §4, a newer version supersedes, both are kept. */
function formTable(rows: ViewRow[], fields: [string, string][]): Html {
  if (!rows.length) return html`<p class="muted">尚未收到。</p>`;
  return html`<div class="scroll"><table><tr><th>版本</th><th>文件</th>${fields.map(([, label]) => html`<th>${label}</th>`)}</tr>${rows.map(
    (r) =>
      html`<tr><td>${r.is_latest ? html`<b>最新</b>` : "旧版"} ${dateTime(r.submitted_at)}</td><td>${r.filename}</td>${fields.map(([key]) => html`<td>${r[key] == null ? "" : String(r[key])}</td>`)}</tr>`,
  )}</table></div>`;
}

function outboxTable(rows: ViewRow[], tz: string): Html {
  if (!rows.length) return html`<p class="muted">没有。</p>`;
  return html`<div class="scroll"><table><tr><th>类别</th><th>收件人</th><th>主题</th><th>状态</th><th>时间</th></tr>${rows.map(
    (o) =>
      html`<tr><td>${outboxKindNames[String(o.kind)] ?? o.kind}</td><td>${o.to_address}</td><td>${o.subject}</td><td>${outboxStatusNames[String(o.status)] ?? o.status}</td><td>${dateTime(o.sent_at ?? o.created_at, tz)}</td></tr>`,
  )}</table></div>`;
}
