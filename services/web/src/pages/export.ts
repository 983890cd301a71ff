import type { FastifyInstance } from "fastify";
import { html, page } from "../html.ts";
import type { ConsoleContext } from "../console-context.ts";

/** 导出: the campaign's files as one zip with an index workbook, and the digest workbook now. */
export function registerExport(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get<{ Params: { slug: string } }>("/c/:slug/export", async (req, reply) => {
    const found = await ctx.campaign(req.params.slug);
    if (!found) return reply.callNotFound();
    const base = `/c/${encodeURIComponent(found.slug)}`;
    const body = html`<h1>导出</h1>
      <div class="card"><h2>全部材料</h2><p>所有学校发来的全部文件，按“学校/类别”分文件夹，附《文件与表格索引.xlsx》（每个文件及各表格的最新数值）。文件较多时下载需要一些时间。</p>
        <a class="button" id="export-zip" href="${base}/export.zip">下载全部材料（zip）</a></div>
      <div class="card"><h2>汇总表</h2><p>与每晚日报摘要所附相同的汇总表，按当前数据即时生成。</p>
        <a class="button" id="digest-xlsx" href="${base}/digest.xlsx">下载汇总表（.xlsx）</a></div>`;
    return reply
      .type("text/html; charset=utf-8")
      .send(page({ title: "导出", user: req.session!.user, csrf: req.session!.csrfToken, campaign: found.slug, active: "export" }, body));
  });
}
