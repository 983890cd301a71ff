import type { ImapFlow } from "imapflow";
import type { MailboxConfig } from "@baosong/core";
import {
  advanceLastUid,
  findReceipt,
  findResyncMatch,
  getMailboxState,
  isMessageFiled,
  listFiledUnmarkedReceipts,
  markReceipts,
  recordHeartbeat,
  recordReceipt,
  recordUidValidity,
  type Database,
} from "@baosong/db";
import { keyOf, type BlobStore } from "@baosong/blobs";
import { jobIds, type IngestJob, type JobQueues } from "@baosong/queue";
import type { Logger } from "@baosong/log";

/**
 * One pass over an open IMAP connection: secure every mail above the last UID secured, then
 * flag or move the mails the worker has filed. Each step is recorded before the next, so a
 * crash anywhere repeats at most a harmless enqueue and never skips a mail.
 */
export interface SweepContext {
  client: ImapFlow;
  mailboxId: number;
  campaignId: number;
  config: MailboxConfig;
  db: Database;
  blobs: BlobStore;
  queues: Pick<JobQueues, "add">;
  logger: Logger;
  /** Aborted when the poller stops: the sweep ends after the mail in hand. */
  signal: AbortSignal;
}

interface ListedMail {
  uid: number;
  size: number | null;
  internalDate: Date;
  messageId: string | null;
}

/** UIDs listed per FETCH; receipts marked per STORE or MOVE. */
const LIST_WINDOW = 1000;
const MARK_BATCH = 500;
/** Large mails (videos of hundreds of MB) come in pieces of this size, never whole. */
const DOWNLOAD_CHUNK = 256 * 1024;

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
    for (const mail of await listMail(c.client, range, from)) {
      if (c.signal.aborted) break;
      const problem = await secureOne(c, uidValidity, mail);
      if (problem) problems.push(problem);
      // Only now, with the bytes stored, the receipt written and the job enqueued.
      await advanceLastUid(c.db, c.mailboxId, uidValidity, mail.uid);
      secured++;
    }
    if (secured) await recordHeartbeat(c.db, c.mailboxId);
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

/** Returns a problem to report when the mail could not be secured and never will be. */
async function secureOne(c: SweepContext, uidValidity: number, mail: ListedMail): Promise<string | undefined> {
  // Recorded before a crash that came ahead of advancing last_uid: enqueue again (the job id
  // makes that a no-op) unless the worker already filed it.
  const known = await findReceipt(c.db, c.mailboxId, uidValidity, mail.uid);
  if (known) return enqueueUnlessFiled(c, known);

  // After a UIDVALIDITY change the same mail comes back under a new UID: known by Message-ID
  // and size, it is recorded without downloading it again.
  if (mail.messageId && mail.size !== null) {
    const match = await findResyncMatch(c.db, c.mailboxId, { messageIdHeader: mail.messageId, sizeBytes: mail.size, notUidValidity: uidValidity });
    if (match) {
      const receipt = {
        mailboxId: c.mailboxId,
        uidValidity,
        uid: mail.uid,
        rawSha256: match.rawSha256,
        messageIdHeader: mail.messageId,
        sizeBytes: match.sizeBytes,
        internalDate: mail.internalDate,
      };
      await recordReceipt(c.db, receipt);
      c.logger.debug({ msg: "mail recognised after resync", action: "mail.resync", uid: mail.uid, rawSha256: match.rawSha256 });
      return enqueueUnlessFiled(c, receipt);
    }
  }

  const download = await c.client.download(String(mail.uid), undefined, { uid: true, chunkSize: DOWNLOAD_CHUNK });
  if (!download.content) return reportVanished(c, mail);
  const blob = await c.blobs.put(download.content);
  if (mail.size !== null && blob.size !== mail.size) {
    c.logger.warn({
      msg: "downloaded size differs from the size the server reported",
      action: "mail.secure",
      uid: mail.uid,
      reported: mail.size,
      stored: blob.size,
    });
  }
  const receipt = {
    mailboxId: c.mailboxId,
    uidValidity,
    uid: mail.uid,
    rawSha256: blob.sha256,
    messageIdHeader: mail.messageId,
    // The server's size, as a resync compares it without downloading.
    sizeBytes: mail.size ?? blob.size,
    internalDate: mail.internalDate,
  };
  await recordReceipt(c.db, receipt);
  await enqueue(c, { ...receipt, sizeBytes: blob.size });
}

interface ReceiptFacts {
  uidValidity: number;
  uid: number;
  rawSha256: string;
  sizeBytes: number;
  internalDate: Date;
}

async function enqueueUnlessFiled(c: SweepContext, r: ReceiptFacts): Promise<undefined> {
  if (await isMessageFiled(c.db, c.mailboxId, r.rawSha256)) return;
  await enqueue(c, r);
}

async function enqueue(c: SweepContext, r: ReceiptFacts): Promise<void> {
  const job = ingestJobOf({ ...r, campaignId: c.campaignId, mailboxId: c.mailboxId });
  await c.queues.add("mail.ingest", job, jobIds.ingest(job));
}

/** The `mail.ingest` job of a secured mail: the poller's, and the worker's sweep for lost jobs. */
export function ingestJobOf(r: ReceiptFacts & { campaignId: number; mailboxId: number }): IngestJob {
  return {
    campaignId: r.campaignId,
    mailboxId: r.mailboxId,
    rawKey: keyOf(r.rawSha256),
    rawSha256: r.rawSha256,
    uidValidity: r.uidValidity,
    uid: r.uid,
    sizeBytes: r.sizeBytes,
    internalDate: r.internalDate.toISOString(),
  };
}

/**
 * The server listed the mail but has nothing to download. If it is really gone (someone
 * deleted it in webmail meanwhile) nothing can secure it, and waiting for it would stall the
 * mailbox: say so loudly and move on. If it is still there, fail the sweep and try again.
 */
async function reportVanished(c: SweepContext, mail: ListedMail): Promise<string> {
  const still = await c.client.fetchOne(String(mail.uid), { uid: true }, { uid: true });
  if (still) throw new Error(`the server returned no content for UID ${mail.uid}; it will be tried again`);
  const text = `UID ${mail.uid} (Message-ID ${mail.messageId ?? "none"}) was removed from the mailbox before it could be secured`;
  c.logger.error({ msg: "mail removed before it could be secured", action: "mail.secure", uid: mail.uid, messageId: mail.messageId });
  return text;
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
