/**
 * The labelled corpus (scripts/fixtures/make-corpus.ts): every mail is filed through the real
 * ingest processor into a real Postgres, and what the dashboard then shows must equal the
 * labels — every school, kind, campaign day, parse status and form value, 100%.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalBlobStore } from "@baosong/blobs";
import { loadCampaignFile } from "@baosong/config";
import { JobQueues } from "@baosong/queue";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { applyTestCampaign } from "./support/campaign.ts";
import { fileRawMail, type FilingTarget } from "./support/filing.ts";

const root = join(import.meta.dirname, "..");
const corpusDir = join(import.meta.dirname, "fixtures/corpus");
const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

interface ExpectedFile {
  filename: string;
  kind: string;
  day: string;
  parse: string;
  signedCopyOf?: string;
  info?: Record<string, unknown>;
  stats?: Record<string, unknown>[];
  featured?: Record<string, unknown>[];
  report?: { title: string; missingSections: string[]; imageCount?: number };
  media?: { width: number; height: number; takenAt?: string; durationSeconds?: number };
}

interface ExpectedMail {
  mail: string;
  tool: string;
  receivedAt: string;
  school: string | null;
  attributedBy: string;
  status: string;
  files: ExpectedFile[];
}

const labels = JSON.parse(readFileSync(join(corpusDir, "expected.json"), "utf8")) as { campaign: string; mails: ExpectedMail[] };

describe("the labelled corpus", { timeout: 180_000 }, () => {
  let t: TestDatabase;
  let dir: string;
  let target: FilingTarget;
  let queues: JobQueues;
  /** Message-ID of each filed mail, by its file in the corpus. */
  const filed = new Map<string, string>();
  const prefix = `bsc-${randomBytes(4).toString("hex")}`;

  beforeAll(async () => {
    t = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), "baosong-corpus-"));
    queues = new JobQueues({ redisUrl, prefix });
    const applied = await applyTestCampaign(t.db, loadCampaignFile(join(root, labels.campaign)));
    target = { db: t.db, blobs: new LocalBlobStore(dir), queues, redisUrl, prefix, campaignId: applied.id, mailboxId: applied.mailboxIds.main! };
    // In the order the server received them, as the poller would hand them over.
    const byArrival = [...labels.mails].sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
    for (const [i, m] of byArrival.entries()) {
      const { messageRowId } = await fileRawMail(target, readFileSync(join(corpusDir, m.mail)), m.receivedAt, i + 1);
      const { rows } = await t.pool.query<{ message_id: string }>("select message_id from messages where id = $1", [messageRowId]);
      filed.set(m.mail, rows[0]!.message_id);
    }
  });

  afterAll(async () => {
    for (const name of ["ingest", "send"]) await queues?.queue(name).obliterate({ force: true });
    await queues?.close();
    await t?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("is big enough to mean something: ≥ 40 mails, ≥ 80 files, every kind and every tool", () => {
    const files = labels.mails.flatMap((m) => m.files);
    expect(labels.mails.length).toBeGreaterThanOrEqual(40);
    expect(files.length).toBeGreaterThanOrEqual(80);
    expect(new Set(files.map((f) => f.kind))).toEqual(
      new Set(["info_form", "stats_form", "daily_report", "summary_report", "law_summary", "plan", "featured_list", "media_photo", "media_video", "other"]),
    );
    expect(new Set(labels.mails.map((m) => m.tool))).toEqual(new Set(["python", "mutt", "swaks"]));
    const extensions = new Set(files.map((f) => f.filename.split(".").pop()!.toLowerCase()));
    for (const ext of ["xlsx", "xls", "et", "docx", "doc", "wps", "pdf", "jpg", "png", "heic", "mp4", "mov", "avi", "wmv", "zip", "7z", "eml"])
      expect(extensions).toContain(ext);
  });

  it("attributes every mail to the school it came from, or to none", async () => {
    const { rows } = await t.pool.query("select message_id, school, attributed_by, status from dashboard.messages");
    const got = new Map(rows.map((r) => [r.message_id, r]));
    const mismatches = labels.mails.flatMap((m) => {
      const r = got.get(filed.get(m.mail)!);
      const actual = { school: r?.school ?? null, attributedBy: r?.attributed_by, status: r?.status };
      const wanted = { school: m.school, attributedBy: m.attributedBy, status: m.status };
      return same(actual, wanted) ? [] : [{ mail: m.mail, wanted, actual }];
    });
    expect(mismatches).toEqual([]);
  });

  it("gives every file its kind, campaign day, parse status and signed-copy link", async () => {
    const { rows } = await t.pool.query(
      "select message_id, filename, kind, to_char(activity_day, 'YYYY-MM-DD') as day, parse_status, signed_copy_of from dashboard.documents",
    );
    const counts = new Map<string, number>();
    const mismatches: unknown[] = [];
    for (const m of labels.mails) {
      const docs = rows.filter((r) => r.message_id === filed.get(m.mail));
      const actual = docs
        .map((d) => ({ filename: d.filename, kind: d.kind, day: d.day, parse: d.parse_status, signedCopyOf: d.signed_copy_of ?? undefined }))
        .sort(byName);
      const wanted = m.files.map((f) => ({ filename: f.filename, kind: f.kind, day: f.day, parse: f.parse, signedCopyOf: f.signedCopyOf })).sort(byName);
      if (!same(actual, wanted)) mismatches.push({ mail: m.mail, wanted, actual });
      for (const f of m.files) counts.set(f.kind, (counts.get(f.kind) ?? 0) + 1);
    }
    expect(mismatches).toEqual([]);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    console.log(
      `corpus checked: ${labels.mails.length} mails, ${total} files — ${[...counts]
        .sort()
        .map(([k, n]) => `${k} ${n}`)
        .join(", ")}`,
    );
  });

  it("reads every 信息采集表 field, and knows which version is the latest", async () => {
    const { rows } = await t.pool.query("select * from dashboard.info_forms");
    const mismatches = labelled("info").flatMap(({ mail, file }) => {
      const r = rows.find((x) => x.message_id === filed.get(mail) && x.filename === file.filename);
      const actual = r && pick(r, Object.keys(file.info!));
      return same(actual, file.info) ? [] : [{ mail, file: file.filename, wanted: file.info, actual }];
    });
    expect(mismatches).toEqual([]);
    expect(rows).toHaveLength(labelled("info").length);
  });

  it("reads every 情况统计表 figure, per media level", async () => {
    const { rows } = await t.pool.query("select * from dashboard.stats_forms order by row_index");
    const mismatches = labelled("stats").flatMap(({ mail, file }) => {
      const actual = rows
        .filter((x) => x.message_id === filed.get(mail) && x.filename === file.filename)
        .map((r) => {
          const v = pick(r, Object.keys(file.stats![0]!));
          return { ...v, student_coverage_pct: v.student_coverage_pct === null ? null : Number(v.student_coverage_pct) };
        });
      return same(actual, file.stats) ? [] : [{ mail, file: file.filename, wanted: file.stats, actual }];
    });
    expect(mismatches).toEqual([]);
  });

  it("reads every row of the 特色亮点活动一览表", async () => {
    const { rows } = await t.pool.query("select * from dashboard.featured_activities order by seq");
    const mismatches = labelled("featured").flatMap(({ mail, file }) => {
      const actual = rows.filter((x) => x.message_id === filed.get(mail) && x.filename === file.filename).map((r) => pick(r, Object.keys(file.featured![0]!)));
      return same(actual, file.featured) ? [] : [{ mail, file: file.filename, wanted: file.featured, actual }];
    });
    expect(mismatches).toEqual([]);
  });

  it("reads every report's title, missing sections and pictures", async () => {
    const { rows } = await t.pool.query("select * from dashboard.reports");
    const mismatches = labelled("report").flatMap(({ mail, file }) => {
      const r = rows.find((x) => x.message_id === filed.get(mail) && x.filename === file.filename);
      const wanted = file.report!;
      const actual = r && { title: r.title, missingSections: r.missing_sections, ...(wanted.imageCount !== undefined && { imageCount: r.image_count }) };
      return same(actual, wanted) ? [] : [{ mail, file: file.filename, wanted, actual }];
    });
    expect(mismatches).toEqual([]);
  });

  it("tells each school in its 回执 what every file was taken for and what was read from it", async () => {
    const ack = async (mail: string) => {
      const { rows } = await t.pool.query(
        "select o.text_body from outbox o join messages m on m.id = o.related_message_id where o.kind = 'ack' and m.message_id = $1",
        [filed.get(mail)],
      );
      return rows[0]?.text_body as string;
    };
    const office97 = await ack("mails/40-ym-final-office97.eml");
    expect(office97).toContain("情况统计表.xls");
    expect(office97).toContain("识别为：情况统计表");
    expect(office97).toContain("教师 98 人，学生 1650 人，覆盖率 90%");
    expect(office97).toContain("标题：重庆益民技工学校职业教育活动周工作总结");
    expect(office97).toContain("正文约 150 字，图片 2 张");
    expect(office97).toContain("工作总结报告缺少以下部分：媒体宣传情况、存在问题及建议");
    const signed = await ack("mails/42-pl-final-signed.eml");
    expect(signed).toContain("已作为“盘龙职中情况统计表.xlsx”的盖章签字件存档");
    const media = await ack("mails/11-ym-0516.eml");
    expect(media).toContain("HEIC，128×96，拍摄于 2022-05-17 16:45");
    expect(media).toContain("MP4，160×120，时长 3 秒");
    const body = await ack("mails/10-rc-body-article.eml");
    expect(body).toMatch(/正文约 \d+ 字，已作为 2022-05-16 的稿件登记/u);
    const bad = await ack("mails/06-xm-info-bad-raw-gbk.eml");
    expect(bad).toContain("信息采集表.xlsx");
    expect(bad).toMatch(/手机/u);
  });

  it("shows per school what is on time, invalid or missing — a signed copy is not a second submission", async () => {
    const { rows } = await t.pool.query("select school, requirement_key, status from dashboard.school_status where requirement_key <> 'daily-report'");
    const status = (key: string) => Object.fromEntries(rows.filter((r) => r.requirement_key === key).map((r) => [r.school, r.status]));
    const [RC, YM, AF, PL, QL, XM] = [
      "重庆市荣昌区职业教育中心",
      "重庆益民技工学校",
      "重庆市荣昌区安富职业中学",
      "重庆市荣昌区盘龙职业中学",
      "重庆市荣昌区清流职业中学",
      "重庆市荣昌区畜牧职业技术学校",
    ];
    expect(status("info-form")).toEqual({ [RC]: "on_time", [YM]: "on_time", [AF]: "on_time", [PL]: "on_time", [QL]: "on_time", [XM]: "invalid" });
    expect(status("stats-form")).toEqual({ [RC]: "on_time", [YM]: "on_time", [AF]: "on_time", [PL]: "on_time", [QL]: "on_time", [XM]: "invalid" });
    expect(status("summary-report")).toEqual({ [RC]: "on_time", [YM]: "invalid", [AF]: "missing", [PL]: "on_time", [QL]: "on_time", [XM]: "missing" });
    expect(status("law-summary")).toEqual({ [RC]: "on_time", [YM]: "missing", [AF]: "on_time", [PL]: "missing", [QL]: "missing", [XM]: "invalid" });
  });

  it("reads every photo's and video's size, date taken and duration from its own bytes", async () => {
    const { rows } = await t.pool.query(
      "select message_id, filename, width, height, to_char(taken_at, 'YYYY-MM-DD HH24:MI:SS') as taken_at, duration_seconds from dashboard.documents",
    );
    const mismatches = labelled("media").flatMap(({ mail, file }) => {
      const r = rows.find((x) => x.message_id === filed.get(mail) && x.filename === file.filename);
      const wanted = {
        width: file.media!.width,
        height: file.media!.height,
        takenAt: file.media!.takenAt ?? null,
        durationSeconds: file.media!.durationSeconds ?? null,
      };
      const actual = r && { width: r.width, height: r.height, takenAt: r.taken_at, durationSeconds: r.duration_seconds };
      return same(actual, wanted) ? [] : [{ mail, file: file.filename, wanted, actual }];
    });
    expect(mismatches).toEqual([]);
  });
});

function labelled(key: "info" | "stats" | "featured" | "report" | "media") {
  return labels.mails.flatMap((m) => m.files.filter((f) => f[key] !== undefined).map((file) => ({ mail: m.mail, file })));
}

function byName(a: { filename: string }, b: { filename: string }): number {
  return a.filename.localeCompare(b.filename);
}

function pick(row: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, row[k] ?? null]));
}

/** Equal as JSON, whatever the order of keys (jsonb sorts them its own way). */
function same(a: unknown, b: unknown): boolean {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.entries(v)
              .filter(([, x]) => x !== undefined)
              .sort(([x], [y]) => x.localeCompare(y))
              .map(([k, x]) => [k, canonical(x)]),
          )
        : v;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}
