/**
 * The hostile catalogue (issue 9): every mail of scripts/fixtures/hostile-mails.ts goes
 * through the real worker, in a process of its own, against real Postgres and Redis. Per case
 * it prints whether the process is still up, the filed status, the findings, where the 回执
 * goes, the blob bytes written and the worker's peak memory, and asserts what the catalogue
 * says must happen.
 */
import { fork, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalBlobStore } from "@baosong/blobs";
import { confirmMessage } from "@baosong/db";
import { JobQueues, jobIds, type IngestJob } from "@baosong/queue";
import { HOSTILE_BUDGETS, HOSTILE_DNS, HOSTILE_ROSTER, hostileCatalogue, type HostileCase } from "../scripts/fixtures/hostile-mails.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { applyTestCampaign, testCampaign } from "./support/campaign.ts";

const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const MiB = 1024 * 1024;
const cases = await hostileCatalogue();

interface Outcome {
  up: boolean;
  status: string;
  school: string | null;
  attributedBy: string;
  auth: string;
  findings: string[];
  acks: { to: string; status: string; reason: string | null }[];
  documents: number;
  blobBytes: number;
  peakMiB: number;
  messageId: string;
}

describe("the hostile catalogue", () => {
  let t: TestDatabase;
  let dir: string;
  let blobs: LocalBlobStore;
  let queues: JobQueues;
  let child: ChildProcess;
  let campaignId: number;
  let mailboxId: number;
  const prefix = `bst-${randomBytes(4).toString("hex")}`;
  const outcomes = new Map<string, Outcome>();
  let uid = 0;

  beforeAll(async () => {
    t = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), "baosong-hostile-"));
    blobs = new LocalBlobStore(join(dir, "blobs"));
    queues = new JobQueues({ redisUrl, prefix });
    const base = testCampaign();
    const campaign = testCampaign({
      mailboxes: [{ ...base.mailboxes[0]!, provider: "qq" }],
      acknowledgements: { max_per_sender_per_hour: 5 },
      schools: HOSTILE_ROSTER,
      budgets: HOSTILE_BUDGETS,
    });
    const applied = await applyTestCampaign(t.db, campaign);
    campaignId = applied.id;
    mailboxId = applied.mailboxIds.main!;
    writeFileSync(join(dir, "dns.json"), JSON.stringify(HOSTILE_DNS));
    child = fork(join(import.meta.dirname, "support/hostile-worker.ts"), [], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, DATABASE_URL: t.url, REDIS_URL: redisUrl, BLOB_DIR: join(dir, "blobs"), QUEUE_PREFIX: prefix, DNS_FILE: join(dir, "dns.json") },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    await new Promise<void>((resolve, reject) => {
      child.once("message", () => resolve());
      child.once("exit", (code) => reject(new Error(`the worker exited with ${code} before it was ready`)));
    });
  }, 180_000);

  afterAll(async () => {
    printTable(outcomes);
    if (child && child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    }
    for (const name of ["ingest", "send"]) await queues?.queue(name).obliterate({ force: true });
    await queues?.close();
    await t?.drop();
    await rm(dir, { recursive: true, force: true });
  }, 180_000);

  async function file(c: HostileCase): Promise<Outcome[]> {
    const raws = Array.from({ length: c.copies ?? 1 }, (_, i) =>
      i === 0 ? c.raw : Buffer.from(c.raw.toString("latin1").replace(/Message-ID: <([^>]+)>/i, `Message-ID: <$1-copy${i}>`), "latin1"),
    );
    const before = blobBytes(join(dir, "blobs"));
    resetPeak(child.pid!);
    const jobs: IngestJob[] = [];
    for (const raw of raws) {
      const stored = await blobs.put(Readable.from([raw]));
      const data = {
        campaignId,
        mailboxId,
        rawKey: stored.key,
        rawSha256: stored.sha256,
        uidValidity: 1,
        uid: ++uid,
        sizeBytes: stored.size,
        internalDate: c.receivedAt,
      };
      jobs.push(data);
    }
    await Promise.all(jobs.map((data) => queues.add("mail.ingest", data, jobIds.ingest(data))));
    const rows = await waitForFiling(jobs.map((j) => j.rawSha256));
    const blobGrowth = blobBytes(join(dir, "blobs")) - before;
    const peakMiB = peakOf(child.pid!);
    const up = child.exitCode === null;
    return Promise.all(rows.map(async (m) => ({ ...(await outcomeOf(m)), up, blobBytes: blobGrowth, peakMiB })));
  }

  async function waitForFiling(
    shas: string[],
  ): Promise<{ id: number; message_id: string; status: string; school: string | null; attributed_by: string; auth: string }[]> {
    for (let i = 0; i < 1200; i++) {
      const { rows } = await t.pool.query(
        "select m.id, m.message_id, m.status, s.name as school, m.attributed_by, m.auth from messages m left join schools s on s.id = m.school_id where raw_sha256 = any($1) order by m.id",
        [shas],
      );
      if (rows.length === shas.length) return rows;
      if (child.exitCode !== null) throw new Error(`the worker died (exit ${child.exitCode})`);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("not filed within 120 s");
  }

  async function outcomeOf(m: { id: number; message_id: string; status: string; school: string | null; attributed_by: string; auth: string }) {
    const findings = (await t.pool.query("select code from findings where message_id = $1 order by code", [m.id])).rows.map((r) => r.code as string);
    const acks = (
      await t.pool.query("select to_address as to, status, suppressed_reason as reason from outbox where kind = 'ack' and related_message_id = $1", [m.id])
    ).rows;
    const documents = (await t.pool.query("select count(*)::int as n from documents where message_id = $1 and origin <> 'body'", [m.id])).rows[0].n as number;
    return {
      status: m.status,
      school: m.school,
      attributedBy: m.attributed_by,
      auth: m.auth,
      findings: [...new Set(findings)],
      acks,
      documents,
      messageId: m.message_id,
    };
  }

  for (const c of cases) {
    it.skipIf(c.pending)(
      `${c.id}: ${c.title}${c.pending ? ` (pending: ${c.pending})` : ""}`,
      async () => {
        const results = await file(c);
        results.forEach((r, i) => outcomes.set(results.length > 1 ? `${c.id}#${i + 1}` : c.id, r));
        const e = c.expect;
        for (const r of results) {
          expect(r.up, "the worker process is up").toBe(true);
          expect([e.status].flat()).toContain(r.status);
          if (e.school !== undefined) expect(r.school).toBe(e.school);
          if (e.attributedBy) expect(r.attributedBy).toBe(e.attributedBy);
          if (e.auth) expect(r.auth).toBe(e.auth);
          for (const code of e.findings ?? []) expect(r.findings).toContain(code);
          for (const code of e.noFindings ?? []) expect(r.findings).not.toContain(code);
          if (e.documents !== undefined) expect(r.documents).toBe(e.documents);
          // Every mail is filed once and has at most one 回执, whatever it holds.
          expect(r.acks.length).toBeLessThanOrEqual(1);
        }
        const raw = c.raw.length * (c.copies ?? 1);
        expect(results[0]!.blobBytes, "blob bytes written").toBeLessThanOrEqual(e.maxBlobBytes ?? 3 * raw + MiB);
        if (c.copies) {
          // The hourly cap: at most max_per_sender_per_hour 回执 for mails of one received hour.
          const statuses = results.map((r) => r.acks[0]?.status);
          expect(statuses.filter((s) => s === "queued")).toHaveLength(5);
          expect(results.filter((r) => r.acks[0]?.reason === "hourly_cap")).toHaveLength(c.copies - 5);
        } else if (e.ack !== undefined) {
          const ack = results[0]!.acks[0] ?? null;
          expect(ack && { to: ack.to, status: ack.status, ...(e.ack?.reason && { reason: ack.reason }) }).toEqual(e.ack);
        }
      },
      180_000,
    );
  }

  it("keeps the school's roster stats form as the latest over the stranger's newer one, until an admin confirms it", async () => {
    const latest = async () =>
      (await t.pool.query("select message_id from dashboard.stats_forms where school = $1 and is_latest", [HOSTILE_ROSTER[0]!.name])).rows.map(
        (r) => r.message_id,
      );
    const baseline = outcomes.get("baseline")!.messageId;
    const stranger = outcomes.get("stranger-stats-form")!.messageId;
    const unitOnly = outcomes.get("stranger-form-unit-only")!.messageId;
    expect(await latest()).toEqual([baseline]);
    const pending = (await t.pool.query("select message_id from dashboard.messages where status = 'needs_confirmation'")).rows.map((r) => r.message_id);
    expect(pending).toEqual(expect.arrayContaining([stranger, unitOnly]));
    expect(await confirmMessage(t.db, stranger)).toMatchObject({ ok: true, school: HOSTILE_ROSTER[0]!.name });
    expect(await latest()).toEqual([stranger]);
    expect((await t.pool.query("select status, attributed_by from dashboard.messages where message_id = $1", [stranger])).rows[0]).toEqual({
      status: "filed",
      attributed_by: "manual",
    });
  });

  it("let no name from a mail reach the file system as a path", () => {
    for (const path of ["/tmp/baosong-owned.txt", "/tmp/baosong-evil.sh", "/etc/cron.d/baosong"]) expect(existsSync(path), path).toBe(false);
    expect(readdirSync(join(dir, "blobs")).every((d) => /^([0-9a-f]{2}|tmp)$/.test(d))).toBe(true);
  });

  it("keeps the worker process up through the whole catalogue", () => {
    expect(cases.filter((c) => !c.pending).length).toBeGreaterThanOrEqual(40);
    expect(child.exitCode).toBeNull();
  });
});

function blobBytes(root: string): number {
  if (!existsSync(root)) return 0;
  let total = 0;
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && !entry.parentPath.includes(`${root}/tmp`)) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

/** Linux: writing 5 to clear_refs resets the peak resident set (VmHWM) of the process. */
function resetPeak(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
  } catch {
    // not Linux, or not allowed: the peak then covers the run so far
  }
}

function peakOf(pid: number): number {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Math.round(Number(kb) / 1024) : NaN;
  } catch {
    return NaN;
  }
}

function printTable(outcomes: Map<string, Outcome>): void {
  const lines = ["case | up | status | school / by / auth | findings | 回执 | blob bytes | peak MiB"];
  for (const [id, o] of outcomes) {
    const ack = o.acks[0] ? `${o.acks[0].to || "(none)"} ${o.acks[0].status}${o.acks[0].reason ? `:${o.acks[0].reason}` : ""}` : "-";
    lines.push(
      [id, o.up ? "up" : "DOWN", o.status, `${o.school ?? "-"} / ${o.attributedBy} / ${o.auth}`, o.findings.join(",") || "-", ack, o.blobBytes, o.peakMiB].join(
        " | ",
      ),
    );
  }
  console.log(`\nhostile catalogue: ${outcomes.size} mails\n${lines.join("\n")}\n`);
}
