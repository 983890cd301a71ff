import type { ImapFlow } from "imapflow";
import type { MailboxConfig } from "@baosong/core";
import { getMailboxState, listFiledUnmarkedReceipts, markReceipts, recordHeartbeat, recordUidValidity, type Database } from "@baosong/db";
import type { BlobStore } from "@baosong/blobs";
import type { JobQueues } from "@baosong/queue";
import type { Logger } from "@baosong/log";
import { secureWindow } from "./mail-securing.ts";
import type { BatchLimits, ListedMail } from "./sweep-plan.ts";

/**
 * One pass over an open IMAP connection: secure every mail above the last UID secured, in
 * batches (mail-securing.ts), then flag or move the mails the worker has filed. Each step is
 * recorded before the next, so a crash anywhere repeats at most a harmless enqueue and never
 * skips a mail.
 */
export interface SweepContext {
  client: ImapFlow;
  mailboxId: number;
  campaignId: number;
  config: MailboxConfig;
  db: Database;
  blobs: BlobStore;
  queues: Pick<JobQueues, "addBulk">;
  logger: Logger;
  /** Aborted when the poller stops: the sweep ends after recording the mail already fetched. */
  signal: AbortSignal;
  /** Batch sizes; tests make them small. */
  batchLimits?: BatchLimits;
}

/** UIDs listed per FETCH; receipts marked per STORE or MOVE. */
const LIST_WINDOW = 1000;
const MARK_BATCH = 500;

export interface SweepResult {
  secured: number;
  marked: number;
  /** What an admin should know though the sweep went on (a mail deleted before it was secured). */
  problems: string[];
}

export async function sweepMailbox(c: SweepContext): Promise<SweepResult> {
  const lock = await c.client.getMailboxLock(c.config.folder, { description: "baosong sweep" });
  try {
    const box = c.client.mailbox;
    if (!box) throw new Error(`folder ${c.config.folder} is not open`);
    const uidValidity = Number(box.uidValidity);
    const state = await getMailboxState(c.db, c.mailboxId);
    if (!state) throw new Error(`mailbox row ${c.mailboxId} no longer exists`);
    let lastUid = state.lastUid;
    if (state.uidValidity !== uidValidity) {
      if (state.uidValidity !== null) {
        c.logger.warn({ msg: "UIDVALIDITY changed: resyncing by Message-ID and size", action: "mail.resync", from: state.uidValidity, to: uidValidity });
      }
      await recordUidValidity(c.db, c.mailboxId, uidValidity);
      lastUid = 0;
    }
    await recordHeartbeat(c.db, c.mailboxId);
    // Servers without IDLE (163) report new mail to a selected session on the next command.
    await c.client.noop();
    const problems: string[] = [];
    const secured = await secureNewMail(c, uidValidity, lastUid, problems);
    const marked = c.signal.aborted ? 0 : await markFiledMail(c, uidValidity);
    return { secured, marked, problems };
  } finally {
    lock.release();
  }
}

async function secureNewMail(c: SweepContext, uidValidity: number, lastUid: number, problems: string[]): Promise<number> {
  let secured = 0;
  let from = lastUid + 1;
  for (let last = false; !last && !c.signal.aborted; ) {
    // Windows of UIDs keep a mailbox of years of mail from being listed into memory at once;
    // the last window is open-ended, as UIDNEXT may lag behind new mail.
    const uidNext = c.client.mailbox ? c.client.mailbox.uidNext : 0;
    last = from + LIST_WINDOW >= uidNext;
    const range = last ? `${from}:*` : `${from}:${from + LIST_WINDOW - 1}`;
    const listed = await listMail(c.client, range, from);
    const count = await secureWindow(c, uidValidity, listed, problems);
    secured += count;
    if (count) await recordHeartbeat(c.db, c.mailboxId);
    if (count < listed.length) break;
    from += LIST_WINDOW;
  }
  if (secured) c.logger.info({ msg: "mail secured", action: "mail.secure", count: secured, uidValidity });
  return secured;
}

/**
 * Lists mails by UID range only: QQ ignores SEARCH criteria (SPEC §9). `n:*` also answers
 * the highest mail when none is that new, so UIDs below `from` are dropped here.
 */
async function listMail(client: ImapFlow, range: string, from: number): Promise<ListedMail[]> {
  if (!client.mailbox || client.mailbox.exists === 0) return [];
  const listed: ListedMail[] = [];
  const query = { uid: true, size: true, internalDate: true, envelope: true } as const;
  for await (const m of client.fetch(range, query, { uid: true })) {
    if (m.uid < from) continue;
    listed.push({
      uid: m.uid,
      size: m.size ?? null,
      internalDate: m.internalDate ? new Date(m.internalDate) : new Date(),
      messageId: m.envelope?.messageId?.trim() || null,
    });
  }
  return listed.sort((a, b) => a.uid - b.uid);
}

/** Flags or moves filed mail; never deletes or expunges (SPEC §1, §9). */
async function markFiledMail(c: SweepContext, uidValidity: number): Promise<number> {
  let marked = 0;
  for (;;) {
    const due = await listFiledUnmarkedReceipts(c.db, c.mailboxId, uidValidity, MARK_BATCH);
    if (!due.length || c.signal.aborted) break;
    const uids = due.map((r) => r.uid).join(",");
    const after = c.config.after_filing;
    if (after.action === "flag") {
      if (!(await c.client.messageFlagsAdd(uids, [after.flag], { uid: true }))) throw new Error(`could not add ${after.flag} to filed mail`);
    } else {
      await moveWithoutExpunge(c, uids, after.folder);
    }
    await markReceipts(
      c.db,
      due.map((r) => r.id),
    );
    marked += due.length;
    if (due.length < MARK_BATCH) break;
  }
  if (marked) c.logger.info({ msg: "filed mail marked", action: "mail.mark", count: marked, how: c.config.after_filing.action });
  return marked;
}

async function moveWithoutExpunge(c: SweepContext, uids: string, folder: string): Promise<void> {
  await ensureFolder(c.client, folder);
  // Without MOVE (RFC 6851) imapflow would emulate it with STORE \Deleted and EXPUNGE; we
  // never expunge, so such a server gets a copy and the original stays where it is.
  if (c.client.capabilities.has("MOVE")) {
    if (!(await c.client.messageMove(uids, folder, { uid: true }))) throw new Error(`could not move filed mail to ${folder}`);
    return;
  }
  c.logger.warn({ msg: "server has no MOVE: filed mail copied, the original stays", action: "mail.mark", folder });
  if (!(await c.client.messageCopy(uids, folder, { uid: true }))) throw new Error(`could not copy filed mail to ${folder}`);
}

async function ensureFolder(client: ImapFlow, folder: string): Promise<void> {
  try {
    await client.mailboxCreate(folder);
  } catch (err) {
    // Some servers answer NO without ALREADYEXISTS for a folder that exists.
    const listed = await client.list();
    if (!listed.some((m) => m.path === folder || m.name === folder)) throw err;
  }
}
