/**
 * `pnpm bench [micro]`: how fast the worker reads mail, and that memory stays bounded by the
 * body, not by the attachments (SPEC §8). Prints numbers; asserts nothing.
 * `pnpm bench e2e [--only ROWS]`: issue #11's table end to end (scripts/bench/e2e.ts).
 *
 *   BENCH_MB=300 pnpm bench      # size of the large video attachment (default 200)
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { LocalBlobStore } from "@baosong/blobs";
import { defaultFileReadLimits, DocumentParser, officeTypes } from "@baosong/documents";
import { readMessage } from "@baosong/mail";
import { ExcelJS } from "./fixtures/lib/xlsx-writer.ts";
import { buildDist } from "./build.ts";
import { benchReaders } from "./bench-readers.ts";

const MB = 1024 * 1024;

async function writeLargeMail(path: string, megabytes: number): Promise<void> {
  const out = createWriteStream(path);
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, "drain");
  };
  await write(
    [
      "From: 荣昌职教中心 <rczj@example.cn>",
      "To: 112812581@qq.com",
      "Subject: =?UTF-8?B?5rS75Yqo6KeG6aKR?=",
      "Message-ID: <bench-large@example.cn>",
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="b1"',
      "",
      "--b1",
      "Content-Type: text/plain; charset=utf-8",
      "",
      "视频见附件。",
      "--b1",
      'Content-Type: video/mp4; name="video.mp4"',
      "Content-Transfer-Encoding: base64",
      'Content-Disposition: attachment; filename="video.mp4"',
      "",
      "",
    ].join("\r\n"),
  );
  // An MP4 header so the type is detected, then pseudo-random payload.
  const chunk = Buffer.alloc(57 * 1024);
  let seed = 1;
  for (let i = 0; i < chunk.length; i++) chunk[i] = (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
  Buffer.from("000000186674797069736f6d0000020069736f6d69736f32", "hex").copy(chunk, 0);
  const rounds = Math.ceil((megabytes * MB) / chunk.length);
  for (let r = 0; r < rounds; r++) {
    const b64 = chunk.toString("base64").replace(/.{76}/g, "$&\r\n");
    await write(b64.endsWith("\r\n") ? b64 : `${b64}\r\n`);
  }
  await write("--b1--\r\n");
  out.end();
  await once(out, "finish");
}

async function main(): Promise<void> {
  const megabytes = Number(process.env.BENCH_MB ?? 200);
  const dir = await mkdtemp(join(tmpdir(), "baosong-bench-"));
  try {
    const blobs = new LocalBlobStore(join(dir, "blobs"));
    const mailPath = join(dir, "large.eml");
    await writeLargeMail(mailPath, megabytes);

    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
    const baseRss = process.memoryUsage().rss;
    const started = performance.now();
    const mail = await readMessage(createReadStream(mailPath), blobs);
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const part = mail.parts[0];
    console.log(
      JSON.stringify({
        bench: "read large mail",
        attachmentMB: Math.round((part?.sizeBytes ?? 0) / MB),
        mediaType: part?.mediaType,
        seconds: Number(seconds.toFixed(2)),
        mbPerSecond: Number(((part?.sizeBytes ?? 0) / MB / seconds).toFixed(1)),
        rssGrowthMB: Math.round((peakRss - baseRss) / MB),
      }),
    );

    const small = join(import.meta.dirname, "../test/fixtures/mail/school-info-form.eml");
    const n = 500;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await readMessage(createReadStream(small), blobs);
    const perSecond = n / ((performance.now() - t0) / 1000);
    console.log(JSON.stringify({ bench: "read small mails", mails: n, mailsPerSecond: Math.round(perSecond) }));

    await benchParsing();
    await benchCommandStart(dir);
    await benchReaders();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A district list of 20,000 rows, read inline and in the parser thread: how long it takes,
 * and how long the event loop (BullMQ's lock renewals, other jobs) is held meanwhile.
 */
async function benchParsing(): Promise<void> {
  const rows = Number(process.env.BENCH_ROWS ?? 20_000);
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet("情况统计表");
  ws.getCell(1, 1).value = "学校";
  ws.getCell(1, 2).value = "参与活动的教师数";
  ws.getCell(1, 3).value = "参与活动的学生数";
  ws.getCell(1, 4).value = "学生参与覆盖率";
  for (let r = 2; r <= rows; r++) for (let c = 1; c <= 4; c++) ws.getCell(r, c).value = c === 1 ? `学校${r}` : r * c;
  const bytes = Buffer.from(await wb.xlsx.writeBuffer());
  for (const mode of ["inline", "thread"] as const) {
    const parser = new DocumentParser({ mode });
    await parser.parse(bytes, officeTypes.xlsx, defaultFileReadLimits); // warm up (thread start, JIT)
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const started = performance.now();
    const reading = await parser.parse(bytes, officeTypes.xlsx, defaultFileReadLimits);
    const seconds = (performance.now() - started) / 1000;
    delay.disable();
    await parser.close();
    console.log(
      JSON.stringify({
        bench: `parse large workbook (${mode})`,
        rows: reading.content.sheets?.[0]?.cells.length,
        fileKB: Math.round(bytes.length / 1024),
        seconds: Number(seconds.toFixed(2)),
        eventLoopMaxDelayMs: Math.round(delay.max / 1e6),
      }),
    );
  }
}

/**
 * How long `baosong --help` takes from launch to exit: the built command (what production
 * runs) and the development one through tsx. Every command starts this way before its work.
 */
async function benchCommandStart(dir: string): Promise<void> {
  const { execFileSync } = await import("node:child_process");
  const root = join(import.meta.dirname, "..");
  const { outdir } = await buildDist(join(root, ".baosong", `bench-dist-${process.pid}`));
  const time = (args: string[], runs: number) => {
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      execFileSync(process.execPath, args, { cwd: dir, stdio: "ignore" });
      ms.push(performance.now() - t0);
    }
    ms.sort((a, b) => a - b);
    return { runs, minMs: Math.round(ms[0]!), medianMs: Math.round(ms[Math.floor(runs / 2)]!) };
  };
  try {
    console.log(JSON.stringify({ bench: "baosong --help (dist, node)", ...time([join(outdir, "baosong.js"), "--help"], 10) }));
    const tsx = join(root, "node_modules/tsx/dist/esm/index.mjs");
    console.log(JSON.stringify({ bench: "baosong --help (source, tsx)", ...time(["--import", tsx, join(root, "services/cli/src/main.ts"), "--help"], 3) }));
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

const [mode = "micro", ...rest] = process.argv.slice(2);
const modes: Record<string, () => Promise<number>> = {
  micro: async () => {
    await main();
    return 0;
  },
  e2e: async () => (await import("./bench/e2e.ts")).runE2e(rest),
};
const chosen = modes[mode];
if (!chosen) {
  console.error(`pnpm bench: no mode ${mode} (modes: ${Object.keys(modes).join(", ")})`);
  process.exit(2);
}
chosen().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
