import type { Job } from "bullmq";
import {
  ackSuppression,
  acknowledgementFor,
  bodyArticleSummary,
  fileSummary,
  understandMessage,
  type Campaign,
  type DocumentKind,
  type FilingPlan,
  type OwedItem,
} from "@baosong/core";
import { fileMessage, formRows, loadCampaignContext, type Database, type Filing, type NewDocument, type NewOutboxMail } from "@baosong/db";
import { storeBytes, type BlobStore } from "@baosong/blobs";
import { verifySender, type DNSResolver, type ReadMessage } from "@baosong/mail";
import { jobIds, jobs, type IngestJob, type JobQueues } from "@baosong/queue";
import { DocumentParser, type FileReadLimits } from "@baosong/documents";
import { authservIdsOf, rawSender, readWithinBudget, type UnpackedMail } from "./budgeted-read.ts";
import { rejectedPlan } from "./refused-mail.ts";
import type { Logger } from "@baosong/log";

export interface IngestDeps {
  db: Database;
  blobs: BlobStore;
  queues: JobQueues;
  logger: Logger;
  /** Reads sheets, documents and PDFs; inline (on this event loop) unless a threaded one is given. */
  parser?: DocumentParser;
  fileLimits?: FileReadLimits;
  now?: () => Date;
  /** DNS for our own DKIM/DMARC check; tests inject one so they run offline. */
  dnsResolver?: DNSResolver;
}

/**
 * `mail.ingest`: read the raw mail from the blob store, decide (core), file in one
 * transaction with its 回执 in the outbox, then hand the 回执 to the sender. Running twice
 * files once and enqueues the same send job id.
 */
export const createIngestProcessor = (d: IngestDeps) => {
  const parser = d.parser ?? new DocumentParser({ mode: "inline" });
  return (job: Job) => ingest(d, parser, job);
};

function ingest(d: IngestDeps, parser: DocumentParser, job: Job): Promise<{ messageRowId: number; created: boolean }> {
  return fileIngest(d, parser, jobs["mail.ingest"].schema.parse(job.data), job.id ?? null, false);
}

/** Understands and files one stored mail; with `replace` its earlier filing is redone (`baosong reprocess`). */
export async function fileIngest(
  d: IngestDeps,
  parser: DocumentParser,
  data: IngestJob,
  jobId: string | null,
  replace: boolean,
): Promise<{ messageRowId: number; created: boolean }> {
  const log = d.logger.child({ job: jobId, mailbox: data.mailboxId, uid: data.uid });
  // Read before anything else, so a raw mail missing from the store fails the job at once.
  const sender = await rawSender(d.blobs, data.rawKey);
  const ctx = await loadCampaignContext(d.db, data.campaignId);
  const receivedAt = new Date(data.internalDate);
  const { read, mail, contents, used, rejection } = await readWithinBudget(d, ctx, data, receivedAt, sender, parser, log);
  const ownAuth = read.headers.has("dkim-signature") ? await verifySender(d.blobs.open(data.rawKey), d.dnsResolver) : null;
  const understood = understandMessage({
    mail,
    campaign: ctx.campaign,
    roster: ctx.roster,
    rawSha256: data.rawSha256,
    receivedAt,
    contents,
    authservIds: authservIdsOf(ctx, data.mailboxId),
    ownAuth,
  });
  const plan = rejection ? rejectedPlan(understood, rejection) : understood;
  const schoolName = ctx.roster.find((s) => s.id === plan.attribution.schoolId)?.name ?? null;
  const documents = [...mail.parts.map((p) => documentRow(p, plan)), ...(await bodyDocument(d.blobs, plan))];

  // One statement files it all, the 回执 included.
  const ack: AckArgs = { ctx: ctx.campaign, documents, campaignId: ctx.id, data, mail, plan, schoolName, receivedAt };
  const result = await fileMessage(
    d.db,
    {
      message: messageRow(data, mail, plan, receivedAt),
      documents,
      findings: plan.findings,
      largeAttachments: plan.largeAttachments,
      forms: formRows({ campaignId: ctx.id, schoolId: plan.attribution.schoolId, submittedAt: receivedAt }, [...plan.documents, ...bodyReport(plan)]),
      acknowledgement: acknowledgement(ack),
      budgetUse: used,
    },
    { replace },
  );

  // A repeated job gets the first filing's 回执: its send job id is the same, so it is sent once.
  const queued = result.acknowledgement;
  if (queued?.status === "queued") await d.queues.add("mail.send", { outboxId: queued.id }, jobIds.send({ outboxId: queued.id }));
  log.info({
    msg: result.created ? "mail filed" : "mail already filed",
    action: "mail.ingest",
    message: result.messageRowId,
    status: plan.status,
    attributedBy: plan.attribution.attributedBy,
    parts: mail.parts.length,
  });
  return { messageRowId: result.messageRowId, created: result.created };
}

type DocumentRow = NewDocument;

function documentRow(p: ReadMessage["parts"][number], plan: FilingPlan): DocumentRow {
  const doc = plan.documents.find((x) => x.position === p.position)!;
  return {
    position: p.position,
    filename: p.filename,
    declaredType: p.declaredType,
    mediaType: p.mediaType,
    sizeBytes: p.sizeBytes,
    sha256: p.sha256,
    blobKey: p.blobKey,
    origin: p.origin,
    kind: doc.kind,
    classifiedBy: doc.classifiedBy,
    parseStatus: doc.parseStatus,
    activityDay: doc.activityDay,
    details: doc.media || doc.pdf ? { ...(doc.media && { media: doc.media }), ...(doc.pdf && { pdf: doc.pdf }) } : null,
    signedCopyOf: doc.signedCopyOf ?? null,
  };
}

/** The body article's report, saved like a document's: a dashboard.reports row like any report. */
function bodyReport(plan: FilingPlan): FilingPlan["documents"] {
  const a = plan.bodyArticle;
  return a ? [{ position: BODY_POSITION, kind: a.kind, classifiedBy: a.reason, parseStatus: "parsed", activityDay: a.activityDay, report: a.report }] : [];
}

/** The body that carries the article, stored like a file so it is filed and counted like one. */
async function bodyDocument(blobs: BlobStore, plan: FilingPlan): Promise<DocumentRow[]> {
  const article = plan.bodyArticle;
  if (!article) return [];
  const stored = await storeBytes(blobs, Buffer.from(article.text, "utf8"));
  return [
    {
      position: BODY_POSITION,
      filename: BODY_FILENAME,
      declaredType: "text/plain",
      mediaType: "text/plain",
      sizeBytes: stored.size,
      sha256: stored.sha256,
      blobKey: stored.key,
      origin: "body",
      kind: article.kind,
      classifiedBy: article.reason,
      parseStatus: "parsed",
      activityDay: article.activityDay,
    },
  ];
}

/** How the body appears among the files in the dashboard and the 回执. */
export const BODY_FILENAME = "（邮件正文）";
/** Attachments count from 0; the body comes before them. */
const BODY_POSITION = -1;

function messageRow(data: IngestJob, mail: UnpackedMail, plan: FilingPlan, receivedAt: Date) {
  return {
    campaignId: data.campaignId,
    mailboxId: data.mailboxId,
    rawSha256: data.rawSha256,
    rawKey: data.rawKey,
    messageId: plan.messageId,
    inReplyTo: mail.inReplyTo,
    references: mail.references,
    fromAddress: mail.fromAddress,
    fromName: mail.fromName,
    replyTo: mail.replyTo,
    toAddresses: mail.to,
    subject: mail.subject,
    sentAt: mail.date,
    receivedAt,
    sizeBytes: data.sizeBytes,
    schoolId: plan.attribution.schoolId,
    attributedBy: plan.attribution.attributedBy,
    auth: plan.auth,
    authDetails: plan.authRecord,
    status: plan.status,
    autoReply: plan.autoReply.autoReply,
    autoReplyReason: plan.autoReply.reason,
    textBody: mail.text,
    headers: Object.fromEntries(mail.headers),
  };
}

interface AckArgs {
  ctx: Campaign;
  documents: DocumentRow[];
  campaignId: number;
  data: IngestJob;
  mail: UnpackedMail;
  plan: FilingPlan;
  schoolName: string | null;
  receivedAt: Date;
}

/**
 * The 回执 of a mail: its words need what the school still owes; whether it goes out is decided
 * here, but for the hourly cap, which the filing statement counts under its lock.
 */
function acknowledgement(a: AckArgs): NonNullable<Filing["acknowledgement"]> {
  const settings = a.ctx.acknowledgements;
  const to = a.plan.replyAddress;
  const schoolId = a.plan.attribution.schoolId;
  const suppressed = ackSuppression({
    enabled: settings.enabled,
    autoReply: a.plan.autoReply,
    senderOnRoster: a.plan.senderOnRoster || a.plan.attribution.attributedBy === "qq",
    allowUnknownSenders: settings.allow_unknown_senders,
    sentToAddressLastHour: 0,
    maxPerSenderPerHour: settings.max_per_sender_per_hour,
    toAddress: to,
  });
  return {
    owedBy: schoolId === null ? null : { campaignId: a.campaignId, schoolId },
    compose: (owed) => acknowledgementRow(a, owed, suppressed),
    hourlyCap: suppressed || !to ? null : { toAddress: to, receivedAt: a.receivedAt, maxPerHour: settings.max_per_sender_per_hour },
  };
}

function acknowledgementRow(a: AckArgs, owed: OwedItem[], suppressed: string | null): Omit<NewOutboxMail, "relatedMessageId"> {
  const mail = acknowledgementFor({
    campaign: a.ctx,
    schoolName: a.schoolName,
    subject: a.mail.subject,
    receivedAt: a.receivedAt,
    files: a.documents.map((d) => {
      const understood = a.plan.documents.find((p) => p.position === d.position);
      return {
        filename: d.filename,
        kind: d.kind as DocumentKind,
        sizeBytes: d.sizeBytes,
        summary: understood ? fileSummary(understood) : d.origin === "body" && a.plan.bodyArticle ? bodyArticleSummary(a.plan.bodyArticle) : [],
        findings: a.plan.findings.filter((f) => f.position === d.position),
      };
    }),
    findings: a.plan.findings.filter((f) => f.position === null),
    owed,
  });
  const fromDomain = (a.ctx.smtp.from_address ?? a.ctx.smtp.user).split("@")[1] ?? "baosong.local";
  return {
    campaignId: a.campaignId,
    kind: "ack",
    dedupeKey: `ack:${a.data.mailboxId}:${a.data.rawSha256}`,
    toAddress: a.plan.replyAddress ?? "",
    subject: mail.subject,
    textBody: mail.text,
    htmlBody: mail.html,
    ourMessageId: `ack-${a.data.rawSha256.slice(0, 24)}.${a.data.mailboxId}@${fromDomain}`,
    inReplyTo: a.plan.messageId,
    references: [...a.mail.references, a.plan.messageId],
    schoolId: a.plan.attribution.schoolId,
    status: suppressed ? "suppressed" : "queued",
    suppressedReason: suppressed,
  };
}
