import type { FastifyInstance } from "fastify";
import { campaignDay, mediaLevelsOf, schoolStatuses, statsTotals, statusLabel, statusMatrix, type ItemStatus } from "@baosong/core";
import { campaignMessagesOn, listCampaigns, listFiledItems, listLatestStatsForms } from "@baosong/db";
import { dateTime, html, page, type Html } from "../html.ts";
import type { ConsoleContext } from "../console-context.ts";

const statusNames: Record<ItemStatus, string> = { on_time: "按时", late: "迟交", missing: "未交", invalid: "有误" };

/** 总览: the school × requirement grid of a campaign, its counts, today's arrivals and the digest's totals. */
export function registerOverview(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get("/", async (req, reply) => {
    const campaigns = await listCampaigns(ctx.db);
    if (campaigns.length === 1) return reply.redirect(`/c/${encodeURIComponent(campaigns[0]!.slug)}`);
    const body = html`<h1>活动</h1>${
      campaigns.length
        ? html`<ul>${campaigns.map((c) => html`<li><a href="/c/${encodeURIComponent(c.slug)}">${c.campaign.title}</a> <span class="muted">${c.slug}</span></li>`)}</ul>`
        : html`<p>还没有活动。请管理员运行 <code>pnpm baosong campaign apply 活动文件.yaml</code>。</p>`
    }`;
    return reply.type("text/html; charset=utf-8").send(page({ title: "活动", user: req.session!.user, csrf: req.session!.csrfToken }, body));
  });

  app.get<{ Params: { slug: string }; Querystring: { category?: string; status?: string } }>("/c/:slug", async (req, reply) => {
    const found = await ctx.campaign(req.params.slug);
    if (!found) return reply.callNotFound();
    const { id, slug, campaign } = found;
    const now = ctx.now();
    const statuses = schoolStatuses(campaign, await listFiledItems(ctx.db, id));
    const matrix = statusMatrix(campaign, statuses, now);
    const category = req.query.category || "";
    const wanted = (req.query.status || "") as ItemStatus | "";
    const categoryOf = new Map(campaign.schools.map((s) => [s.name, s.category ?? ""]));
    const categories = [...new Set(campaign.schools.map((s) => s.category).filter((c): c is string => Boolean(c)))];
    const rows = matrix.rows.filter((r) => (!category || categoryOf.get(r.school) === category) && (!wanted || r.cells.includes(wanted)));
    const tally = (s: ItemStatus) => matrix.rows.reduce((n, r) => n + r.cells.filter((c) => c === s).length, 0);
    const today = campaignDay(now, campaign.timezone);
    const arrivals = await campaignMessagesOn(ctx.db, slug, today, campaign.timezone);
    const levels = mediaLevelsOf(campaign);
    const totals = statsTotals(await listLatestStatsForms(ctx.db, id), levels);
    const cls = (s: ItemStatus, dueAt: Date) => (s === "missing" && dueAt > now ? "pending" : s);

    const body = html`<h1>${campaign.title}</h1>
      <div class="counts">
        <div>学校<b>${campaign.schools.length}</b></div>
        ${(["on_time", "late", "missing", "invalid"] as ItemStatus[]).map((s) => html`<div class="${s}">${statusNames[s]}<b>${tally(s)}</b></div>`)}
        <div>今日来信<b>${arrivals.length}</b></div>
      </div>
      <form class="filters" method="get">
        ${categories.length ? html`<label>类别<select name="category"><option value="">全部</option>${categories.map((c) => html`<option ${c === category ? "selected" : ""}>${c}</option>`)}</select></label>` : ""}
        <label>状态<select name="status"><option value="">全部</option>${(Object.keys(statusNames) as ItemStatus[]).map((s) => html`<option value="${s}" ${s === wanted ? "selected" : ""}>${statusNames[s]}</option>`)}</select></label>
        <button>筛选</button>
      </form>
      <p class="legend"><span class="on_time">✓ 按时</span><span class="late">迟交</span><span class="missing">✗ 未交</span><span class="invalid">! 有误</span><span class="pending">待交（未到截止）</span></p>
      <div class="scroll"><table class="grid" id="grid"><thead>${gridHeader(matrix.columns)}</thead><tbody>
        ${rows.map(
          (r) => html`<tr><td class="school"><a href="/c/${encodeURIComponent(slug)}/school/${encodeURIComponent(r.school)}">${r.school}</a></td>
            ${r.cells.map((s, i) => html`<td class="s ${cls(s, matrix.columns[i]!.dueAt)}" data-status="${s}">${statusLabel(s, matrix.columns[i]!.dueAt, now)}</td>`)}</tr>`,
        )}
      </tbody></table></div>
      ${rows.length ? "" : html`<p class="muted">没有符合筛选条件的学校。</p>`}
      <h2>统计表合计（最新版本，共 ${totals.reporting} 所学校）</h2>
      <div class="scroll"><table><tr><th>教师</th><th>学生</th><th>学生覆盖率</th><th>企业</th><th>参与总人数</th><th>活动项目</th><th>媒体报道</th>${levels.map((l) => html`<th>${l}</th>`)}</tr>
        <tr><td class="num">${totals.teachers}</td><td class="num">${totals.students}</td><td class="num">${totals.student_coverage_pct === null ? "—" : `${totals.student_coverage_pct.toFixed(1)}%`}</td>
        <td class="num">${totals.enterprises}</td><td class="num">${totals.total_participants}</td><td class="num">${totals.activity_items}</td><td class="num">${totals.media_reports_total}</td>
        ${levels.map((l) => html`<td class="num">${totals.media_reports_by_level[l] ?? 0}</td>`)}</tr></table></div>
      <h2>今日来信（${today}）</h2>
      ${
        arrivals.length
          ? html`<div class="scroll"><table><tr><th>时间</th><th>学校</th><th>发件人</th><th>主题</th></tr>${arrivals.map(
              (m) =>
                html`<tr><td>${dateTime(m.received_at, campaign.timezone)}</td><td>${m.school ?? html`<span class="error">未识别</span>`}</td><td>${m.from_address}</td><td>${m.subject}</td></tr>`,
            )}</table></div>`
          : html`<p class="muted">今天还没有来信。</p>`
      }`;
    return reply
      .type("text/html; charset=utf-8")
      .send(page({ title: campaign.title, user: req.session!.user, csrf: req.session!.csrfToken, campaign: slug, active: "overview" }, body));
  });
}

/** Two header rows when daily items exist: the requirement over its day columns (SPEC §5 layout). */
function gridHeader(columns: readonly { label: string; group: string | null }[]): Html {
  const hasGroups = columns.some((c) => c.group);
  if (!hasGroups) return html`<tr><th>学校</th>${columns.map((c) => html`<th class="s">${c.label}</th>`)}</tr>`;
  const top: Html[] = [];
  for (let i = 0; i < columns.length; ) {
    const g = columns[i]!.group;
    let span = 1;
    while (g && columns[i + span]?.group === g) span++;
    top.push(g ? html`<th class="s" colspan="${span}">${g}</th>` : html`<th class="s" rowspan="2">${columns[i]!.label}</th>`);
    i += span;
  }
  return html`<tr><th rowspan="2">学校</th>${top}</tr><tr>${columns.filter((c) => c.group).map((c) => html`<th class="s">${c.label}</th>`)}</tr>`;
}
