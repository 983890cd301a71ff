import { ImapFlow } from "imapflow";
import { simpleParser } from "mailparser";
import pg from "pg";
import type { BenchServers } from "./world.ts";
import { IMAP_CODE } from "./world.ts";

/**
 * The bare work, measured in the bench process against the same mailbox in the same run:
 * ceiling A is imapflow FETCH of every mail plus mailparser parsing it (attachments read
 * whole); ceiling B adds one INSERT per mail. Baosong can only approach these.
 */
export interface CeilingResult {
  mails: number;
  seconds: number;
  cpuSeconds: number;
}

/** A bench IMAP client of the run's mailbox; `idle` for the steady row's watcher, else no IDLE at all. */
export function imapClient(servers: Pick<BenchServers, "dovecot">, user: string, idle = false): ImapFlow {
  const client = new ImapFlow({
    host: servers.dovecot.host,
    port: servers.dovecot.port,
    secure: false,
    auth: { user, pass: IMAP_CODE },
    logger: false,
    // The watcher re-enters IDLE 300 ms after a FETCH, as Baosong's poller is meant to.
    ...(idle ? { autoIdleDelay: 300 } : { disableAutoIdle: true }),
  });
  client.on("error", () => undefined);
  return client;
}

/**
 * FETCH + parse of every mail in the run's mailbox (read-only: flags stay as they are), after
 * one untimed pass so the JIT and the page cache are warm: the bare work, not its first time.
 */
export async function fetchParseCeiling(servers: BenchServers, user: string, insertInto?: string): Promise<CeilingResult> {
  await fetchParse(servers, user);
  return fetchParse(servers, user, insertInto);
}

async function fetchParse(servers: BenchServers, user: string, insertInto?: string): Promise<CeilingResult> {
  const db = insertInto ? new pg.Client({ connectionString: insertInto }) : null;
  if (db) {
    await db.connect();
    await db.query("create table if not exists bench_ceiling (id bigserial primary key, message_id text, subject text, size_bytes int, attachments int)");
  }
  const client = imapClient(servers, user);
  await client.connect();
  try {
    await client.mailboxOpen("INBOX", { readOnly: true });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let mails = 0;
    for await (const msg of client.fetch("1:*", { uid: true, source: true })) {
      if (!msg.source) throw new Error(`FETCH returned no source for UID ${msg.uid}`);
      const parsed = await simpleParser(msg.source);
      if (db) {
        await db.query("insert into bench_ceiling (message_id, subject, size_bytes, attachments) values ($1, $2, $3, $4)", [
          parsed.messageId ?? null,
          parsed.subject ?? null,
          msg.source.length,
          parsed.attachments.length,
        ]);
      }
      mails++;
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { mails, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  } finally {
    await client.logout().catch(() => client.close());
    await db?.end().catch(() => undefined);
  }
}

/**
 * The latency floor of a new mail: an IDLE client that FETCHes and parses each mail the moment
 * the server says EXISTS. `seen` maps Message-ID to when it was parsed.
 */
export async function idleWatcher(servers: BenchServers, user: string): Promise<{ seen: Map<string, number>; close(): Promise<void> }> {
  const seen = new Map<string, number>();
  const client = imapClient(servers, user, true);
  await client.connect();
  let known = (await client.mailboxOpen("INBOX", { readOnly: true })).exists;
  let busy = Promise.resolve();
  client.on("exists", (data: { count: number }) => {
    const from = known + 1;
    const to = data.count;
    if (to < from) return;
    known = to;
    busy = busy.then(async () => {
      for await (const msg of client.fetch(`${from}:${to}`, { source: true })) {
        if (!msg.source) continue;
        const parsed = await simpleParser(msg.source);
        const id = parsed.messageId?.replace(/^<|>$/g, "");
        if (id) seen.set(id, Date.now());
      }
    });
  });
  // Resolves only when IDLE ends (the next command breaks it): not awaited.
  client.idle().catch(() => undefined);
  return {
    seen,
    async close() {
      await busy.catch(() => undefined);
      await client.logout().catch(() => client.close());
    },
  };
}
