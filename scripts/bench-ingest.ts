/**
 * Scratch benchmark of the ingest processor alone (not part of `pnpm bench`): ~200 typical
 * mails (a stats form or a report, and 1–3 photos) are stored as the poller would store them,
 * then filed one after another through the real processor against a fresh Postgres database,
 * with the parser in its thread as in production. Prints CPU ms per mail (this process with its
 * threads, and the main thread alone: mail parsing, the blob store, Postgres), wall ms per mail
 * and the SQL statements one ingest sends. Asserts nothing.
 *
 *   node --import tsx scripts/bench-ingest.ts [--mails 200] [--runs 3] [--concurrency 1]
 *   node --import tsx scripts/bench-ingest.ts --small --mails 1000   (the burst's news drafts, scripts/bench/corpus.ts)
 *   BENCH_SQL_LOG=1 node --import tsx scripts/bench-ingest.ts --mails 1 --runs 1   (each statement on stderr)
 *   node --import tsx scripts/bench-ingest.ts --runs 1 --profile /tmp/ingest.cpuprofile
 *   node --import tsx scripts/bench-ingest.ts --summary /tmp/ingest.cpuprofile
 *
 * `--profile` records the main thread (the inspector's CPU profiler) over the measured mails
 * only, not the setup; the parser thread's reading is in the CPU figure but not the profile.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Session } from "node:inspector/promises";
import { writeFile } from "node:fs/promises";
import { Job, Queue } from "bullmq";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import pg from "pg";
import { LocalBlobStore } from "@baosong/blobs";
import { DocumentParser } from "@baosong/documents";
import { createLogger } from "@baosong/log";
import { JobQueues, jobIds, type IngestJob } from "@baosong/queue";
import { createIngestProcessor } from "@baosong/svc-worker";
import { benchRoster, smallMail } from "./bench/corpus.ts";
import { createTestDatabase } from "../test/support/database.ts";
import { applyTestCampaign, testCampaign } from "../test/support/campaign.ts";
import { storeIngestJob } from "../test/support/filing.ts";

const fixture = (path: string) => readFile(new URL(`../test/fixtures/${path}`, import.meta.url));
const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** Counts the statements sent on every pg client (drizzle goes through Client.query). */
let statements = 0;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  statements++;
  if (process.env.BENCH_SQL_LOG)
    console.error("SQL", String((args[0] as { text?: string })?.text ?? args[0]).slice(0, Number(process.env.BENCH_SQL_LOG) > 1 ? undefined : 300));
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

/** A photo as a phone sends one: real JPEG headers with EXIF, then ~300–900 KB of unique scan data. */
function photo(base: Buffer): Buffer {
  const eoi = base.lastIndexOf(Buffer.from([0xff, 0xd9]));
  const scan = randomBytes(300_000 + Math.floor(Math.random() * 600_000)).map((b) => (b === 0xff ? 0xfe : b));
  return Buffer.concat([base.subarray(0, eoi), scan, base.subarray(eoi)]);
}

/** Mail `i` of the corpus: a stats form or a report, and 1–3 photos. */
async function typicalMail(i: number, fixtures: { stats: Buffer; report: Buffer; jpeg: Buffer }): Promise<Buffer> {
  const withForm = i % 2 === 0;
  const photos = Array.from({ length: 1 + (i % 3) }, (_, n) => ({ filename: `IMG_${2000 + i * 3 + n}.JPG`, content: photo(fixtures.jpeg) }));
  const mail = new MailComposer({
    from: i % 4 === 3 ? "ym@example.cn" : "rczj@example.cn",
    to: "112812581@qq.com",
    subject: withForm ? `荣昌职教中心 情况统计表 ${i}` : `荣昌职教中心 5月1${i % 7}日活动报道 ${i}`,
    text: `各位老师好，附件是我校材料，请查收。编号 ${i}`,
    messageId: `<bench-${i}-${randomBytes(4).toString("hex")}@example.cn>`,
    attachments: [withForm ? { filename: "情况统计表.xlsx", content: fixtures.stats } : { filename: "活动报道.docx", content: fixtures.report }, ...photos],
  });
  return mail.compile().build();
}

async function run(count: number, concurrency: number, small: boolean, profileTo?: string) {
  const t = await createTestDatabase();
  const dir = await mkdtemp(join(tmpdir(), "baosong-bench-ingest-"));
  const prefix = `bench-${randomBytes(4).toString("hex")}`;
  const queues = new JobQueues({ redisUrl, prefix });
  const queue = new Queue("ingest", { connection: { url: redisUrl }, prefix });
  const parser = new DocumentParser({ mode: "thread", threads: Math.max(1, Math.ceil(concurrency / 2)) });
  try {
    // The small mails come from the bench schools, as in the e2e burst: attributed, answered.
    const applied = await applyTestCampaign(t.db, small ? testCampaign({ schools: benchRoster() }) : undefined);
    const blobs = new LocalBlobStore(dir);
    const jobs: IngestJob[] = [];
    const fixtures = {
      stats: await fixture("forms/rongchang-stats.xlsx"),
      report: await fixture("reports/rongchang-summary.docx"),
      jpeg: await fixture("media/photo-exif.jpg"),
    };
    // One mail at a time, as the poller stores them: no corpus held in memory while measuring.
    for (let i = 0; i < count; i++) {
      const raw = small ? smallMail("ingest", i + 1).raw : await typicalMail(i, fixtures);
      const internalDate = new Date(Date.UTC(2022, 4, 15, 1, i)).toISOString();
      jobs.push(await storeIngestJob(blobs, raw, { campaignId: applied.id, mailboxId: applied.mailboxIds.main!, uid: i + 1, internalDate }));
    }
    const process_ = createIngestProcessor({ db: t.db, blobs, queues, logger: createLogger({ level: "silent" }), parser });
    const ingest = (data: IngestJob) => process_(new Job(queue, "mail.ingest", data, { jobId: jobIds.ingest(data) }));
    await ingest(jobs[0]!); // warm-up: module loading, the parser thread, the campaign cache
    statements = 0;
    await ingest(jobs[1]!);
    const perMail = statements;
    const session = profileTo ? await startProfile() : null;
    const cpu = process.cpuUsage();
    const mainCpu = process.threadCpuUsage();
    const started = performance.now();
    const queued = jobs.slice(2);
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let data = queued.shift(); data; data = queued.shift()) await ingest(data);
      }),
    );
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const mainUsed = process.threadCpuUsage(mainCpu);
    if (session && profileTo) await writeFile(profileTo, JSON.stringify((await session.post("Profiler.stop")).profile));
    const n = jobs.length - 2;
    const filed = (await t.pool.query("select count(*)::int as n from messages where status = 'filed'")).rows[0].n;
    return {
      mails: n,
      filed,
      cpuMsPerMail: (used.user + used.system) / 1000 / n,
      mainThreadCpuMsPerMail: (mainUsed.user + mainUsed.system) / 1000 / n,
      wallMsPerMail: wallMs / n,
      statementsPerMail: perMail,
    };
  } finally {
    await parser.close();
    for (const name of ["ingest", "send"]) await queues.queue(name).obliterate({ force: true });
    await queue.close();
    await queues.close();
    await t.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function startProfile(): Promise<Session> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  return session;
}

/** Self time per function of a .cpuprofile, top entries first. */
async function summary(file: string, top = 25) {
  const profile = JSON.parse(await readFile(file, "utf8")) as {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const f = byId.get(id)!.callFrame;
    const name = `${f.functionName || "(anonymous)"} ${f.url.replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, "").replace(/^file:\/\/.*?\/(packages|services)\//, "$1/")}:${f.lineNumber + 1}`;
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    self.set(name, (self.get(name) ?? 0) + dt);
  });
  const idle = self.get("(idle) :0") ?? 0;
  self.delete("(idle) :0");
  const busy = total - idle;
  console.log(`busy ${(busy / 1000).toFixed(0)} ms (idle ${(idle / 1000).toFixed(0)} ms not counted)`);
  const line = (name: string, us: number) => console.log(`${((100 * us) / busy).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}`);
  for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) line(name, us);
  const byPackage = new Map<string, number>();
  for (const [name, us] of self) {
    const where = name.split(" ")[1] ?? "";
    const pkg =
      /^(packages|services)\/[^/]+/.exec(where)?.[0] ??
      /^(@[^/]+\/[^/]+|[^/:]+)\//.exec(where)?.[1] ??
      (where.startsWith("node:") ? "node internals" : "native / gc");
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  console.log("by package:");
  for (const [pkg, us] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 15)) line(pkg, us);
}

const { values } = parseArgs({
  options: {
    mails: { type: "string", default: "200" },
    runs: { type: "string", default: "3" },
    concurrency: { type: "string", default: "1" },
    summary: { type: "string" },
    profile: { type: "string" },
    small: { type: "boolean", default: false },
  },
});
if (values.summary) await summary(values.summary);
else {
  for (let r = 0; r < Number(values.runs); r++)
    console.log(
      JSON.stringify({
        bench: "ingest",
        run: r + 1,
        concurrency: Number(values.concurrency),
        corpus: values.small ? "small" : "typical",
        ...(await run(Number(values.mails) + 2, Number(values.concurrency), values.small, r === 0 ? values.profile : undefined)),
      }),
    );
}
