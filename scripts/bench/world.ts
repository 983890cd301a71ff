import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { stringify } from "yaml";
import { migrateDatabase } from "@baosong/db";
import { testCampaign } from "../../test/support/campaign.ts";
import { dovecotMailbox, startDovecot, type Dovecot } from "../../test/support/dovecot.ts";
import { freePort } from "../../test/support/ports.ts";
import { startPrivatePostgres, type PrivatePostgres } from "../../test/support/private-postgres.ts";
import { startPrivateRedis, type PrivateRedis } from "../../test/support/private-redis.ts";
import { buildDist } from "../build.ts";
import { benchRoster, INBOX_ADDRESS, type BenchMail } from "./corpus.ts";
import { startSmtpSink, type SmtpSink } from "./smtp-sink.ts";

/**
 * The bench's own world: a private Postgres, Redis, Dovecot and SMTP sink for the whole
 * bench, and Baosong as it ships (`node dist/baosong.js start`, built here). Each measured
 * run gets a fresh database, mailbox, queue prefix and blob directory on those servers.
 */
export const IMAP_CODE = "qwertyuiopasdfgh";
/** The provider in the bench accepts everything, so the campaign allows the schema's maximum. */
export const BENCH_PER_MINUTE = 60_000;
export const RUNNING_LINE = '"msg":"baosong running"';
export const repoRoot = join(import.meta.dirname, "../..");

export interface BenchServers {
  dir: string;
  pg: PrivatePostgres;
  redis: PrivateRedis;
  dovecot: Dovecot;
  sink: SmtpSink;
  /** The built command, dist/baosong.js of a private build of this tree. */
  command: string;
  close(): Promise<void>;
}

const live = new Set<ChildProcess>();

/** Kills every Baosong process group still running: on failure and on Ctrl-C. */
export function killAllLaunched(): void {
  for (const c of live) if (c.pid && c.exitCode === null && c.signalCode === null) killGroup(c.pid, "SIGKILL");
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

export async function startServers(): Promise<BenchServers> {
  const dir = await mkdtemp(join(tmpdir(), "bsbench-"));
  const started: { stop(): Promise<void> }[] = [];
  try {
    const { outdir } = await buildDist(join(repoRoot, ".baosong", `bench-dist-${process.pid}`));
    const pgServer = await startPrivatePostgres();
    started.push(pgServer);
    const redis = await startPrivateRedis();
    started.push(redis);
    const dovecot = await startDovecot();
    started.push(dovecot);
    const sink = await startSmtpSink();
    return {
      dir,
      pg: pgServer,
      redis,
      dovecot,
      sink,
      command: join(outdir, "baosong.js"),
      async close() {
        killAllLaunched();
        await sink.close().catch(() => undefined);
        for (const s of started.reverse()) await s.stop().catch(() => undefined);
        if (!process.env.BENCH_KEEP_DIST) await rm(outdir, { recursive: true, force: true });
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

export interface LaunchOptions {
  /** Node options before the script, e.g. --cpu-prof. */
  nodeArgs?: string[];
  /** Launch `pnpm start` in the repository (its own dist/, rebuilt when stale) instead of the bench's build. */
  pnpmStart?: boolean;
  env?: Record<string, string>;
}

export interface Launched {
  pid: number;
  launchedAt: number;
  /** When the "baosong running" line came; rejects if the process exits first or hangs. */
  running: Promise<number>;
  /** The same moment on the monotonic clock, µs (as CPU profiles time their samples); 0 before. */
  runningMonotonicUs(): number;
  exited: Promise<number | null>;
  /** SIGTERM and wait (the process writes its CPU profile on the way out); SIGKILL after the grace. */
  stop(graceMs?: number): Promise<void>;
}

export interface BenchRun {
  name: string;
  dir: string;
  env: Record<string, string>;
  /** The bench's own connection to the run's database. */
  pool: pg.Pool;
  launch(roles: string[], options?: LaunchOptions): Launched;
  /** APPENDs the mails over one connection; returns when each APPEND was issued (ms epoch). */
  append(mails: readonly BenchMail[]): Promise<number[]>;
  /** The run's Dovecot user (its mailbox). */
  mailboxUser: string;
  /** One IMAP connection for APPENDs one at a time (steady load); the caller closes it. */
  appender(): Promise<{ append(mail: BenchMail): Promise<number>; close(): Promise<void> }>;
  /** Messages rows with a terminal status. */
  filed(): Promise<number>;
  /** When the last of them was filed (its `filed_at`, ms epoch): exact, where polling is not. */
  lastFiledAt(): Promise<number>;
  close(): Promise<void>;
}

/** A fresh database, mailbox, queue prefix and campaign on the bench servers. */
export async function createRun(servers: BenchServers, name: string, schools = benchRoster()): Promise<BenchRun> {
  const dir = join(servers.dir, name);
  await mkdir(dir, { recursive: true });
  const database = `bench_${name.replace(/\W/g, "_")}`;
  await servers.pg.query(`create database ${database}`);
  const user = `${name.replace(/[^\w]/g, "")}@bench.local`;
  await servers.dovecot.addUser(user, IMAP_CODE);
  const campaign = testCampaign({
    slug: `bench-${name}`.toLowerCase().replace(/[^a-z0-9-]/g, "-"),
    mailboxes: [{ ...dovecotMailbox(servers.dovecot, user, "BENCH_IMAP_CODE", INBOX_ADDRESS), poll_interval_seconds: 5 }],
    smtp: {
      host: servers.sink.host,
      port: servers.sink.port,
      secure: false,
      user: INBOX_ADDRESS,
      password_env: "BENCH_SMTP_CODE",
      from_name: "性能测试",
      per_minute: BENCH_PER_MINUTE,
    },
    acknowledgements: { enabled: true, allow_unknown_senders: false, max_per_sender_per_hour: 100_000 },
    schools,
  });
  const campaignFile = join(dir, "campaign.yaml");
  await writeFile(campaignFile, stringify(campaign));
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    DATABASE_URL: servers.pg.url(database),
    REDIS_URL: servers.redis.url,
    BAOSONG_BLOB_DIR: join(dir, "blobs"),
    BAOSONG_QUEUE_PREFIX: `bsb-${name}`,
    BAOSONG_CAMPAIGNS: campaignFile,
    BAOSONG_WEB_PORT: String(await freePort()),
    LOG_LEVEL: "info",
    BENCH_IMAP_CODE: IMAP_CODE,
    BENCH_SMTP_CODE: "unused-by-the-sink",
  };
  const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });
  pool.on("error", () => undefined);
  // Migrated before launch, so "launch → filed" times a restart, not a first install.
  await migrateDatabase(pool);
  const launched: Launched[] = [];
  let logs = 0;
  return {
    name,
    dir,
    env,
    pool,
    launch(roles, options = {}) {
      const l = launch(servers.command, roles, { ...env, ...options.env }, join(dir, `baosong-${++logs}.log`), options);
      launched.push(l);
      return l;
    },
    mailboxUser: user,
    async appender() {
      const client = await servers.dovecot.client(user);
      return {
        async append(mail) {
          const issued = Date.now();
          await client.append("INBOX", mail.raw);
          return issued;
        },
        close: () => client.logout().catch(() => client.close()),
      };
    },
    async append(mails) {
      const client = await servers.dovecot.client(user);
      const issued: number[] = [];
      try {
        for (const m of mails) {
          issued.push(Date.now());
          await client.append("INBOX", m.raw);
        }
      } finally {
        await client.logout().catch(() => client.close());
      }
      return issued;
    },
    async filed() {
      const { rows } = await pool.query("select count(*)::int as n from messages where status in ('filed', 'unattributed', 'rejected', 'failed')");
      return rows[0].n as number;
    },
    async lastFiledAt() {
      const { rows } = await pool.query("select (extract(epoch from max(filed_at)) * 1000)::float8 as at from messages");
      return Number(rows[0].at);
    },
    async close() {
      for (const l of launched) await l.stop();
      await pool.end().catch(() => undefined);
      await servers.pg.query(`drop database if exists ${database} with (force)`).catch(() => undefined);
      if (!process.env.BENCH_KEEP) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Waits for the running line for this long at most: a hang fails the row, it does not stall the bench. */
const START_LIMIT_MS = 120_000;

function launch(command: string, roles: string[], env: Record<string, string>, logFile: string, options: LaunchOptions): Launched {
  const [file, args] = options.pnpmStart
    ? ["pnpm", ["--silent", "start", ...roles]]
    : [process.execPath, [...(options.nodeArgs ?? []), command, "start", ...roles]];
  const launchedAt = Date.now();
  // Its own process group: the bench can end it and anything it started in one kill.
  const child = spawn(file, args, {
    cwd: repoRoot,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  live.add(child);
  const log = createWriteStream(logFile);
  let tail = "";
  let runningAt: number | null = null;
  let runningUs = 0;
  const onOutput = (d: Buffer) => {
    log.write(d);
    tail = (tail + d.toString("utf8")).slice(-20_000);
    if (runningAt === null && tail.includes(RUNNING_LINE)) {
      runningAt = Date.now();
      runningUs = Number(process.hrtime.bigint() / 1000n);
    }
  };
  child.stdout!.on("data", onOutput);
  child.stderr!.on("data", onOutput);
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      live.delete(child);
      resolve(code);
    }),
  );
  const running = (async () => {
    const deadline = launchedAt + START_LIMIT_MS;
    while (runningAt === null) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`baosong start ${roles.join(" ")} exited before running:\n${tail.slice(-3000)}`);
      if (Date.now() > deadline)
        throw new Error(`baosong start ${roles.join(" ")} not running after ${START_LIMIT_MS / 1000} s (log ${logFile}):\n${tail.slice(-3000)}`);
      await sleep(10);
    }
    return runningAt;
  })();
  running.catch(() => undefined);
  return {
    pid: child.pid!,
    launchedAt,
    running,
    runningMonotonicUs: () => runningUs,
    exited,
    async stop(graceMs = 30_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => killGroup(child.pid!, "SIGKILL"), graceMs);
        await exited;
        clearTimeout(timer);
      }
      // Anything it left behind in its group (a 7-Zip child, say) goes too.
      killGroup(child.pid!, "SIGKILL");
      log.end();
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `done` until true; throws with `what` when `limitMs` passes (a hang fails the row). */
export async function waitUntil(done: () => boolean | Promise<boolean>, limitMs: number, what: () => string, everyMs = 50): Promise<number> {
  const deadline = Date.now() + limitMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${limitMs / 1000} s: ${what()}`);
    await sleep(everyMs);
  }
  return Date.now();
}
