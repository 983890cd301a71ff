import { spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type pg from "pg";
import { benchRoster } from "./corpus.ts";
import type { Log } from "./drain.ts";
import type { Measurement } from "./measurement.ts";
import { peakMemorySampler } from "./proc.ts";
import { createRun, type BenchRun, type BenchServers } from "./world.ts";

/**
 * Row 7: `baosong digest --preview` over a national-size campaign. The submissions are
 * written straight into the tables with SQL (fast, and the same rows the worker would file);
 * the digest then reads them as it would on the evening of DIGEST_DAY.
 */
export const DIGEST_DAY = "2022-05-17";
const LIMIT_MS = 300_000;

/** Per school: an info form, three days of reports with two photos each, a stats form. */
export async function seedSubmissions(pool: pg.Pool, campaignSlug: string): Promise<{ campaignId: number; messages: number; documents: number }> {
  const { rows } = await pool.query("select c.id, (select min(id) from mailboxes m where m.campaign_id = c.id) as mailbox from campaigns c where slug = $1", [
    campaignSlug,
  ]);
  const campaignId = rows[0].id as number;
  const mailboxId = rows[0].mailbox as number;
  // k = 1: info form (05-13); 2–4: daily reports (05-15..17); 5: stats form (05-18).
  const messages = await pool.query(
    `insert into messages (campaign_id, mailbox_id, raw_sha256, raw_key, message_id, from_address, subject, received_at, size_bytes, school_id, attributed_by, status)
     select $1, $2, md5(s.id || ':' || k) || md5(k || ':' || s.id), 'bench/raw/' || s.id || '-' || k, 'digest-' || s.id || '-' || k || '@bench.example.cn',
            s.senders[1], s.name || '报送材料' || k,
            timestamptz '2022-05-13 10:00+08' + (array[0, 2, 3, 4, 5])[k] * interval '1 day',
            -- the size carries k, so the documents below know which mail this is
            20000 + k, s.id, 'sender', 'filed'
       from schools s, generate_series(1, 5) k where s.campaign_id = $1`,
    [campaignId, mailboxId],
  );
  const documents = await pool.query(
    `insert into documents (message_id, position, filename, media_type, size_bytes, sha256, blob_key, origin, kind, activity_day, parse_status, classified_by)
     select m.id, p.position, p.filename, p.media_type, 10000 + p.position, md5(m.id || ':' || p.position) || md5(p.position || ':' || m.id), 'bench/doc/' || m.id || '-' || p.position,
            'attachment', p.kind, (m.received_at at time zone 'Asia/Shanghai')::date, 'parsed', 'bench'
       from messages m
       cross join lateral (
         select * from (values
           (0, '信息采集表.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'info_form', 1),
           (0, '情况统计表.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'stats_form', 5),
           (0, '典型案例.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'daily_report', 0),
           (1, 'IMG_1.jpg', 'image/jpeg', 'media_photo', 0),
           (2, 'IMG_2.jpg', 'image/jpeg', 'media_photo', 0)
         ) as v(position, filename, media_type, kind, k)
         -- k = 0: the three daily mails (k 2–4) each carry a report and two photos
         where v.k = m.size_bytes - 20000 or (v.k = 0 and m.size_bytes - 20000 between 2 and 4)
       ) p
      where m.campaign_id = $1`,
    [campaignId],
  );
  await pool.query(
    `insert into info_forms (campaign_id, message_id, document_id, school_id, submitted_at, unit_name, contact_name, contact_title, mobile, qq, website_url, plan_text, featured_text)
     select m.campaign_id, m.id, d.id, m.school_id, m.received_at, s.name, '张老师', '办公室主任', '138' || lpad(s.id::text, 8, '0'), (10000 + s.id)::text,
            'https://school' || s.id || '.example.cn/zjz', '开放校园、技能展示、企业参观。', '职业体验日'
       from documents d join messages m on m.id = d.message_id join schools s on s.id = m.school_id
      where m.campaign_id = $1 and d.kind = 'info_form'`,
    [campaignId],
  );
  await pool.query(
    `insert into stats_forms (campaign_id, message_id, document_id, school_id, submitted_at, unit_name, teachers, students, student_coverage_pct, enterprises,
                              total_participants, activity_items, media_reports_total, media_reports_by_level)
     select m.campaign_id, m.id, d.id, m.school_id, m.received_at, s.name, 100 + s.id % 50, 2000 + s.id % 900, 85, 10, 3000, 8, 22,
            jsonb_build_object('市级及以上', 5, '区县级', 17)
       from documents d join messages m on m.id = d.message_id join schools s on s.id = m.school_id
      where m.campaign_id = $1 and d.kind = 'stats_form'`,
    [campaignId],
  );
  await pool.query("analyze");
  return { campaignId, messages: messages.rowCount ?? 0, documents: documents.rowCount ?? 0 };
}

export interface ProcessMeasure {
  seconds: number;
  peakMB: number;
  output: string;
}

/** Runs a command to its end, timing it and sampling its peak resident memory (VmHWM). */
export function measureProcess(args: string[], env: Record<string, string>, cwd: string): Promise<ProcessMeasure> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const sampler = peakMemorySampler(child.pid!, 20);
    let output = "";
    child.stdout!.on("data", (d) => (output = (output + d).slice(-20_000)));
    child.stderr!.on("data", (d) => (output = (output + d).slice(-20_000)));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // gone
      }
    }, LIMIT_MS);
    // "exit", not "close": the peak is sampled while /proc still has the process.
    child.once("exit", (code, signal) => {
      const peakMB = sampler.stop();
      clearTimeout(timer);
      const seconds = (performance.now() - t0) / 1000;
      if (code === 0) resolve({ seconds, peakMB, output });
      else
        reject(new Error(`${args.join(" ")} ${signal ? `killed by ${signal} (limit ${LIMIT_MS / 1000} s)` : `exited with ${code}`}:\n${output.slice(-3000)}`));
    });
    child.once("error", reject);
  });
}

export async function runDigestPreview(command: string, run: BenchRun, slug: string, n: number): Promise<ProcessMeasure> {
  const out = join(run.dir, `digest-${n}`);
  await mkdir(out, { recursive: true });
  return measureProcess([command, "digest", "--preview", "--campaign", slug, "--day", DIGEST_DAY, "--out", out], { ...run.env, LOG_LEVEL: "warn" }, run.dir);
}

export async function runDigestCeiling(run: BenchRun, campaignId: number, n: number): Promise<ProcessMeasure> {
  const script = join(import.meta.dirname, "digest-ceiling.ts");
  const repo = join(import.meta.dirname, "../..");
  return measureProcess(
    ["--disable-warning=ExperimentalWarning", script, run.env.DATABASE_URL!, String(campaignId), DIGEST_DAY, join(run.dir, `ceiling-${n}.xlsx`)],
    run.env,
    repo,
  );
}

/** Row 7: the digest preview of a 10,000-school campaign; its wall time and peak memory. */
export async function digestRows(servers: BenchServers, repeats: number, log: Log): Promise<Measurement[]> {
  const schools = Number(process.env.BENCH_SCHOOLS ?? 10_000);
  const run = await createRun(servers, "digest", benchRoster(schools));
  try {
    const slug = "bench-digest";
    const t0 = performance.now();
    await measureProcess([servers.command, "campaign", "apply", run.env.BAOSONG_CAMPAIGNS!], { ...run.env, LOG_LEVEL: "warn" }, run.dir);
    const seeded = await seedSubmissions(run.pool, slug);
    log(`row 7: ${schools} schools, ${seeded.messages} mails, ${seeded.documents} documents seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const wall: number[] = [];
    const peak: number[] = [];
    const ceilingWall: number[] = [];
    const ceilingPeak: number[] = [];
    for (let r = 1; r <= repeats; r++) {
      const d = await runDigestPreview(servers.command, run, slug, r);
      const c = await runDigestCeiling(run, seeded.campaignId, r);
      wall.push(d.seconds);
      peak.push(d.peakMB);
      ceilingWall.push(c.seconds);
      ceilingPeak.push(c.peakMB);
      log(`row 7 repeat ${r}: digest ${d.seconds.toFixed(1)} s ${Math.round(d.peakMB)} MB; ceiling ${c.seconds.toFixed(1)} s ${Math.round(c.peakMB)} MB`);
    }
    const figure = `digest preview, ${schools} schools (${seeded.documents} documents)`;
    return [
      {
        row: "7",
        figure: `${figure}: wall time`,
        unit: "s",
        values: wall,
        ceiling: { label: "cursor + streaming writer", values: ceilingWall },
        ratio: "multiple",
        target: "< 5 s",
      },
      {
        row: "7b",
        figure: `${figure}: peak RSS`,
        unit: "MB",
        values: peak,
        ceiling: { label: "cursor + streaming writer", values: ceilingPeak },
        ratio: "multiple",
        target: "< 300 MB",
      },
    ];
  } finally {
    await run.close();
  }
}
