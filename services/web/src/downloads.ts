import { PassThrough, type Readable, type Writable } from "node:stream";
import { buffer } from "node:stream/consumers";
import type { FastifyInstance, FastifyReply } from "fastify";
import type ExcelJS from "exceljs";
import yazl from "yazl";
import { keyOf } from "@baosong/blobs";
import { campaignDay, kindLabels, schoolStatuses, type DocumentKind } from "@baosong/core";
import { campaignDocument, campaignDocuments, listFiledItems, listLatestInfoForms, listLatestStatsForms, type ViewRow } from "@baosong/db";
import { attachmentDisposition, fileSegment } from "./content-disposition.ts";
import type { ConsoleContext } from "./console-context.ts";
import { zipEntries, type ZipEntry } from "./zip-entries.ts";

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/**
 * Files as they were mailed, a school's or a campaign's files as one zip, and the digest workbook.
 * The workbook writers (exceljs, the digest's composer) load with the first download that needs
 * them: the console starts without them, and most consoles never build a workbook.
 */
export function registerDownloads(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get<{ Params: { slug: string; sha: string } }>("/c/:slug/file/:sha", async (req, reply) => {
    if (!/^[0-9a-f]{64}$/.test(req.params.sha)) return reply.callNotFound();
    const row = await campaignDocument(ctx.db, req.params.slug, req.params.sha);
    if (!row) return reply.callNotFound();
    return reply
      .header("content-disposition", attachmentDisposition(fileSegment(String(row.filename))))
      .header("x-content-type-options", "nosniff")
      .type(String(row.media_type) || "application/octet-stream")
      .send(ctx.blobs.open(keyOf(req.params.sha)));
  });

  app.get<{ Params: { slug: string; school: string } }>("/c/:slug/school/:school/files.zip", async (req, reply) => {
    const found = await ctx.campaign(req.params.slug);
    const school = found?.campaign.schools.find((s) => s.name === req.params.school)?.name;
    if (!found || !school) return reply.callNotFound();
    const entries = zipEntries(await campaignDocuments(ctx.db, found.slug, school), false);
    return sendZip(ctx, reply, `${school}.zip`, entries, null);
  });

  app.get<{ Params: { slug: string } }>("/c/:slug/export.zip", async (req, reply) => {
    const found = await ctx.campaign(req.params.slug);
    if (!found) return reply.callNotFound();
    const entries = zipEntries(await campaignDocuments(ctx.db, found.slug), true);
    return sendZip(ctx, reply, `${found.campaign.title}-全部材料.zip`, entries, indexWorkbook(ctx, found.id, entries));
  });

  app.get<{ Params: { slug: string } }>("/c/:slug/digest.xlsx", async (req, reply) => {
    const found = await ctx.campaign(req.params.slug);
    if (!found) return reply.callNotFound();
    const now = ctx.now();
    const day = campaignDay(now, found.campaign.timezone);
    const { composeDigestMail } = await import("@baosong/svc-scheduler");
    const statuses = schoolStatuses(found.campaign, await listFiledItems(ctx.db, found.id));
    const workbook = new PassThrough();
    const [digest, bytes] = await Promise.all([
      composeDigestMail(
        ctx.db,
        { campaign: found.campaign, campaignId: found.id, statuses, now },
        {
          kind: "digest",
          dedupeKey: `console:${found.slug}:${day}`,
          campaign: found.slug,
          at: now,
          to: { kind: "officials" },
          day,
          final: false,
        },
        workbook,
      ),
      buffer(workbook),
    ]);
    return reply.header("content-disposition", attachmentDisposition(digest.filename)).type(XLSX).send(bytes);
  });
}

/** Streamed: each blob is read as yazl reaches it, so a campaign of videos never sits in memory. */
function sendZip(ctx: ConsoleContext, reply: FastifyReply, filename: string, entries: ZipEntry[], index: Readable | null): FastifyReply {
  const zip = new yazl.ZipFile();
  if (index) zip.addReadStream(index, "文件与表格索引.xlsx");
  for (const e of entries) {
    const media = String(e.row.media_type);
    // Photos, videos and zips are compressed already: store them, do not spend CPU on them.
    const compress = !/^(image|video|audio)\/|zip|rar|7z|x-compressed/.test(media);
    zip.addReadStream(ctx.blobs.open(keyOf(e.sha256)), e.path, { mtime: new Date(String(e.row.received_at)), compress });
  }
  zip.end();
  return reply.header("content-disposition", attachmentDisposition(filename)).type("application/zip").send(zip.outputStream);
}

/**
 * 文件与表格索引.xlsx: every file with its folder in the zip, and every latest form value,
 * written row by row (exceljs's streaming writer) as the zip reads it: a province's tens of
 * thousands of files never sit in memory as a workbook. A failure part-way breaks the download.
 */
function indexWorkbook(ctx: ConsoleContext, campaignId: number, entries: ZipEntry[]): Readable {
  const out = new PassThrough();
  writeIndexWorkbook(ctx, campaignId, entries, out).catch((err: unknown) => out.destroy(err as Error));
  return out;
}

async function writeIndexWorkbook(ctx: ConsoleContext, campaignId: number, entries: ZipEntry[], out: Writable): Promise<void> {
  const [{ default: Excel }, { inertText }] = await Promise.all([import("exceljs"), import("@baosong/reports")]);
  const cell = inertCell(inertText);
  // Shared strings would keep every distinct string of the workbook in memory until the end.
  const wb = new Excel.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false });
  const files = wb.addWorksheet("文件");
  files.addRow(["学校", "类别", "文件名", "zip 中的位置", "收到时间", "活动日", "状态", "大小（字节）", "SHA-256"]).commit();
  for (const e of entries) {
    const r = e.row;
    files
      .addRow([
        cell(r.school ?? "未识别"),
        kindLabels[r.kind as DocumentKind] ?? cell(r.kind),
        cell(r.filename),
        cell(e.path),
        new Date(String(r.received_at)),
        cell(r.activity_day),
        cell(r.parse_status),
        Number(r.size_bytes),
        cell(r.sha256),
      ])
      .commit();
  }
  files.commit();
  const infos = await listLatestInfoForms(ctx.db, campaignId);
  sheetOf(wb, "信息采集表", infos as unknown as ViewRow[], cell);
  const stats = await listLatestStatsForms(ctx.db, campaignId);
  sheetOf(wb, "情况统计表", stats.map((s) => ({ ...s, media_reports_by_level: JSON.stringify(s.media_reports_by_level) })) as unknown as ViewRow[], cell);
  await wb.commit();
}

type Cell = (v: unknown) => string | number | null;

function sheetOf(wb: ExcelJS.stream.xlsx.WorkbookWriter, name: string, rows: ViewRow[], cell: Cell): void {
  const ws = wb.addWorksheet(name);
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  ws.addRow(keys).commit();
  for (const r of rows) ws.addRow(keys.map((k) => cell(r[k]))).commit();
  ws.commit();
}

/** Text a school wrote must not become a formula in the official's Excel (= + - @). */
function inertCell(inertText: (text: string) => string): Cell {
  return (v) => {
    if (v === null || v === undefined) return null;
    if (typeof v === "number") return v;
    return inertText(String(v));
  };
}
