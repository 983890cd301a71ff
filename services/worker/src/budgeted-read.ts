import { UnrecoverableError } from "bullmq";
import { defaultUnpackLimits, type UnpackProblem } from "@baosong/archives";
import { providerAuthservIds, type BudgetGrant, type FileContent, type Finding, type MailFacts } from "@baosong/core";
import { grantArchiveBudget, grantBudget, type CampaignContext, type GrantRequest } from "@baosong/db";
import { defaultFileReadLimits, type DocumentParser } from "@baosong/documents";
import type { Logger } from "@baosong/log";
import { BlobNotFoundError, type BlobStore } from "@baosong/blobs";
import { defaultReadLimits, fromAddressInHead, headerBlockEnds, MAX_HEADER_BYTES, readMessage, type ReadMessage, type ReadProblem } from "@baosong/mail";
import type { IngestJob } from "@baosong/queue";
import { expandArchives } from "./archives.ts";
import { readContents } from "./contents.ts";
import { expandForwarded, MAX_FORWARD_DEPTH } from "./forwarded.ts";
import type { IngestDeps } from "./ingest.ts";
import { readOrRefuse } from "./refused-mail.ts";

/** A mail with its archives' members among its parts, and their problems among its problems. */
export type UnpackedMail = Omit<ReadMessage, "problems"> & { problems: MailFacts["problems"] };

export interface BudgetedRead {
  read: ReadMessage;
  mail: UnpackedMail;
  contents: ReadonlyMap<number, FileContent>;
  /** What the mail stored, to settle its budget grant with. */
  used: { attachmentBytes: number; archiveBytes: number; files: number };
  /** Set when the parser refused the mail for good: it is filed `rejected` with this finding. */
  rejection: Finding | null;
}

/**
 * Reads the stored mail, its forwards and archives within its disk budget (SPEC §8): the
 * grant is settled before anything of the mail is written, keyed by the From address read
 * from the raw header block (`rawSender`); what would pass it is not stored and becomes a problem named
 * after the budget that ran out (the mail's or the sender's).
 */
export async function readWithinBudget(
  d: IngestDeps,
  ctx: CampaignContext,
  data: IngestJob,
  receivedAt: Date,
  sender: string | null,
  parser: DocumentParser,
  log: Logger,
): Promise<BudgetedRead> {
  const budgets = ctx.campaign.budgets;
  const request: GrantRequest = {
    campaignId: ctx.id,
    mailboxId: data.mailboxId,
    rawSha256: data.rawSha256,
    sender,
    receivedAt,
    budgets,
    // A forward counts as an attachment and its files again, once per level: each level holds
    // at most the raw mail's bytes.
    mailBytes: data.sizeBytes * (MAX_FORWARD_DEPTH + 1),
    // Archive bytes only for a mail that has an archive, when it comes to it (below).
    archivesLater: true,
  };
  let grant = await grantBudget(d.db, request);
  const limits = { ...defaultReadLimits, maxTotalBytes: grant.attachmentBytes, maxParts: Math.min(defaultReadLimits.maxParts, grant.files) };
  const { read, rejection } = await readOrRefuse(d.blobs, data.rawKey, () => readMessage(d.blobs.open(data.rawKey), d.blobs, limits));
  const readBytes = read.parts.reduce((n, p) => n + p.sizeBytes, 0);
  const forwarded = await expandForwarded(d.blobs, read.parts, grant.attachmentBytes - readBytes);
  const ratio = { maxRatio: budgets.archive_ratio.max, ratioMinBytes: budgets.archive_ratio.min_bytes };
  const unpacked = await expandArchives(d.blobs, forwarded.parts, async () => {
    const archives = await grantArchiveBudget(d.db, request);
    grant = { ...grant, archiveBytes: archives.archiveBytes, senderLimited: { ...grant.senderLimited, archiveBytes: archives.senderLimited } };
    return { bytes: grant.archiveBytes, files: grant.files - forwarded.parts.length, ratio };
  });
  const { contents, mediaTypes } = await readContents(d.blobs, unpacked.parts, parser, d.fileLimits ?? defaultFileReadLimits, log);
  const mail: UnpackedMail = {
    ...read,
    parts: unpacked.parts.map((p) => ({ ...p, mediaType: mediaTypes.get(p.position) ?? p.mediaType })),
    problems: [...[...read.problems, ...forwarded.problems].map((p) => budgetProblem(p, grant)), ...unpacked.problems.map((p) => archiveProblem(p, grant))],
  };
  return {
    read,
    mail,
    contents,
    used: { attachmentBytes: readBytes + forwarded.storedBytes, archiveBytes: unpacked.storedBytes, files: unpacked.parts.length },
    rejection,
  };
}

/** The first bytes read of a raw mail: its header block is almost always within them. */
const FIRST_READ_BYTES = 64 * 1024;

/**
 * The sender of a stored mail, from its header block: one read of the file's first bytes (a
 * second, longer one only for a header block longer than those), no stream. A raw mail missing
 * from the store fails the job for good: no retry brings it back.
 */
export async function rawSender(blobs: BlobStore, key: string): Promise<string | null> {
  try {
    const head = await blobs.read(key, 0, FIRST_READ_BYTES);
    const whole = head.length < FIRST_READ_BYTES || headerBlockEnds(head);
    return fromAddressInHead(whole ? head : await blobs.read(key, 0, MAX_HEADER_BYTES));
  } catch (err) {
    if (err instanceof BlobNotFoundError) throw new UnrecoverableError(`raw message ${key} is missing from the blob store`);
    throw err;
  }
}

/** Only the Authentication-Results of the mailbox's own server count (SPEC §3). */
export function authservIdsOf(ctx: CampaignContext, mailboxId: number): readonly string[] {
  const mailbox = ctx.campaign.mailboxes.find((m) => m.id === ctx.mailboxKeys.get(mailboxId));
  return mailbox?.authserv_ids ?? providerAuthservIds[mailbox?.provider ?? "generic"] ?? [];
}

/** A part refused for the mail's budget, named after the budget that ran out: the mail's or the sender's. */
function budgetProblem(p: ReadProblem, grant: BudgetGrant): MailFacts["problems"][number] {
  if (p.code === "budget_exceeded") return { ...p, code: `${grant.senderLimited.attachmentBytes ? "sender" : "mail"}_budget_attachment_bytes` };
  if (p.code === "too_many_parts" && grant.files < defaultReadLimits.maxParts)
    return { ...p, code: `${grant.senderLimited.files ? "sender" : "mail"}_budget_files` };
  return p;
}

function archiveProblem(p: UnpackProblem, grant: BudgetGrant): MailFacts["problems"][number] {
  const problem = { code: p.code as string, filename: p.path, detail: p.detail };
  if (p.code === "archive_size" && grant.archiveBytes < defaultUnpackLimits.maxUnpackedBytes)
    problem.code = `${grant.senderLimited.archiveBytes ? "sender" : "mail"}_budget_archive_bytes`;
  if (p.code === "archive_members" && grant.files < defaultUnpackLimits.maxMembers)
    problem.code = `${grant.senderLimited.files ? "sender" : "mail"}_budget_files`;
  return problem;
}
