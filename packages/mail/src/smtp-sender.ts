import type { Readable } from "node:stream";
import type { SMTPPoolSentMessageInfo, SendMailOptions, Transporter } from "nodemailer";
import { BlobNotFoundError, type BlobStore } from "@baosong/blobs";
import { gateMessage } from "./handover-gate.ts";
import { buildMessage, composerParts } from "./mime-at-once.ts";
import type { SmtpConfig } from "@baosong/core";

/** A file to attach, as the outbox `attachments` jsonb lists it; the bytes are in the blob store. */
export interface OutgoingAttachment {
  filename: string;
  blobKey: string;
  contentType: string | null;
}

/** What the SMTP sender reads of an outbox row (a row of `outbox` fits as it is). */
export interface OutgoingMail {
  kind: string;
  toAddress: string;
  subject: string;
  textBody: string;
  htmlBody: string | null;
  /** Our Message-ID, fixed when the row was created; with or without angle brackets. */
  ourMessageId: string;
  inReplyTo: string | null;
  references: string[] | null;
  attachments: unknown;
}

export interface SentMail {
  messageId: string;
  /** The server's final reply, e.g. `250 OK: queued as …`. */
  response: string;
  accepted: string[];
}

/** An outbox row that can never become a mail (bad attachments list, no recipient). */
export class OutboxMailError extends Error {
  readonly code = "OUTBOX_INVALID";
  constructor(message: string) {
    super(message);
    this.name = "OutboxMailError";
  }
}

/** QQ refuses a From other than the logged-in account ("501 mail from address must be same as authorization user"). */
export function fromAddressOf(smtp: Pick<SmtpConfig, "user" | "from_address">): string {
  return smtp.from_address ?? smtp.user;
}

/** How a transport keeps its connections. */
export interface SmtpPoolOptions {
  /** Connections opened at most; a second one only while the first is busy (see `parallelSendsFor`). */
  maxConnections?: number;
  /** A connection with nothing to send for this long says QUIT; the next send connects again. */
  idleTimeoutMs?: number;
}

/** Long enough to carry a steady trickle of 回执 on one login, short enough not to sit on a provider's slot. */
export const SMTP_IDLE_TIMEOUT_MS = 60_000;

/**
 * A pooled transport for one SMTP identity: connections are kept and reused, each logs in
 * once for up to 100 mails. Few of them: QQ throttles accounts that connect often (SPEC §9).
 * Port 465 is implicit TLS whatever `secure` says. nodemailer loads with the first transport:
 * a process that never sends (a worker, the console) does not carry it.
 */
export async function createSmtpTransport(smtp: SmtpConfig, password: string, pool: SmtpPoolOptions = {}): Promise<Transporter<SMTPPoolSentMessageInfo>> {
  const { default: nodemailer } = await import("nodemailer");
  return nodemailer.createTransport({
    pool: true,
    maxConnections: pool.maxConnections ?? 1,
    maxMessages: 100,
    idleTimeout: pool.idleTimeoutMs ?? SMTP_IDLE_TIMEOUT_MS,
    // A message whose connection drops mid-send is not re-sent by the pool: its attachment
    // streams are spent, and the outbox retry (fresh streams, a recorded attempt) owns retries.
    maxRequeues: 0,
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure || smtp.port === 465,
    auth: { user: smtp.user, pass: password },
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    // Inactivity, not total time: a large attachment may take minutes to upload.
    socketTimeout: 120_000,
    // Never a logger or debug here: the SMTP transcript carries the AUTH PLAIN credentials.
    logger: false,
    debug: false,
  });
}

/** Reads the outbox `attachments` jsonb: null or a list of {filename, blobKey, contentType}. */
export function parseAttachments(value: unknown): OutgoingAttachment[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw new OutboxMailError("attachments is not a list");
  return value.map((item: unknown, i) => {
    const a = (typeof item === "object" && item !== null ? item : {}) as Record<string, unknown>;
    if (typeof a.filename !== "string" || !a.filename || typeof a.blobKey !== "string" || !a.blobKey) {
      throw new OutboxMailError(`attachment ${i} needs a filename and a blobKey`);
    }
    return { filename: a.filename, blobKey: a.blobKey, contentType: typeof a.contentType === "string" ? a.contentType : null };
  });
}

/** `<id>` whether the stored id carries its angle brackets or not. */
export function angleId(id: string): string {
  return `<${id.trim().replace(/^<+|>+$/g, "")}>`;
}

export interface ComposedMail {
  options: SendMailOptions;
  /** Attachment streams opened for this send; destroyed after it, sent or not. */
  streams: Readable[];
}

/**
 * The nodemailer message for an outbox row. Attachment bytes stream from the blob store.
 * nodemailer writes a non-ASCII file name twice — RFC 2231 `filename*=` in
 * Content-Disposition and an RFC 2047 `name="=?UTF-8?B?…?="` in Content-Type — which QQ
 * webmail needs or it shows `tcmime.*.bin` (SPEC §9); test/sender.test.ts holds it to that.
 */
export async function composeMail(mail: OutgoingMail, smtp: SmtpConfig, blobs: BlobStore): Promise<ComposedMail> {
  if (!mail.toAddress) throw new OutboxMailError("the mail has no recipient");
  const attachments = parseAttachments(mail.attachments);
  for (const a of attachments) {
    if (!(await blobs.has(a.blobKey))) throw new BlobNotFoundError(a.blobKey);
  }
  const from = fromAddressOf(smtp);
  const references = (mail.references ?? []).filter(Boolean).map(angleId);
  const streams = attachments.map((a) => blobs.open(a.blobKey));
  const options: SendMailOptions = {
    from: { name: smtp.from_name, address: from },
    to: mail.toAddress,
    envelope: { from, to: [mail.toAddress] },
    subject: mail.subject,
    text: mail.textBody,
    ...(mail.htmlBody ? { html: mail.htmlBody } : {}),
    messageId: angleId(mail.ourMessageId),
    ...(mail.inReplyTo ? { inReplyTo: angleId(mail.inReplyTo) } : {}),
    ...(references.length ? { references } : {}),
    headers: {
      // RFC 3834: mark what a program sent, so other robots do not answer it.
      "Auto-Submitted": mail.kind === "ack" ? "auto-replied" : "auto-generated",
      "X-Auto-Response-Suppress": "All",
    },
    attachments: attachments.map((a, i) => ({
      filename: a.filename,
      content: streams[i]!,
      ...(a.contentType ? { contentType: a.contentType } : {}),
    })),
  };
  return { options, streams };
}

/**
 * A mail without attachments is a few kilobytes: built into one buffer first, it reaches the
 * socket in one write instead of one per MIME chunk (each a system call, the costly part of a
 * 回执). nodemailer's composer decides every header, part and encoding, as the transport would.
 */
async function prebuilt(options: SendMailOptions): Promise<SendMailOptions> {
  const { MailComposer } = await composerParts();
  const raw = await buildMessage(new MailComposer(options).compile());
  return { envelope: options.envelope, messageId: options.messageId, raw };
}

type GatedOptions = SendMailOptions & { beforeEnd?: () => Promise<void> };

/** Sends outbox rows for one SMTP identity over pooled, reused connections. */
export class SmtpSender {
  /** Made with the first send: connecting waits until there is something to send. */
  private transport: Promise<Transporter<SMTPPoolSentMessageInfo>> | null = null;

  constructor(
    private readonly smtp: SmtpConfig,
    private readonly password: string,
    private readonly blobs: BlobStore,
    private readonly pool: SmtpPoolOptions = {},
  ) {}

  private transporter(): Promise<Transporter<SMTPPoolSentMessageInfo>> {
    this.transport ??= createSmtpTransport(this.smtp, this.password, this.pool).then((transport) => {
      transport.use("stream", (m, done) => {
        const beforeEnd = (m.data as GatedOptions).beforeEnd;
        if (beforeEnd) m.message.processFunc((input: Readable) => gateMessage(input, beforeEnd));
        done();
      });
      return transport;
    });
    return this.transport;
  }

  /** `beforeEnd` runs before the last bytes of DATA go out; if it fails, nothing is delivered. */
  async send(mail: OutgoingMail, beforeEnd?: () => Promise<void>): Promise<SentMail> {
    const transport = await this.transporter();
    const { options, streams } = await composeMail(mail, this.smtp, this.blobs);
    try {
      const message = streams.length ? options : await prebuilt(options);
      const info = await transport.sendMail({ ...message, ...(beforeEnd ? { beforeEnd } : {}) } as SendMailOptions);
      return {
        messageId: info.messageId,
        response: info.response,
        accepted: [...info.accepted],
      };
    } finally {
      // A refused or failed send leaves blob files open otherwise.
      for (const s of streams) s.destroy();
    }
  }

  close(): void {
    void this.transport?.then(
      (transport) => transport.close(),
      () => undefined,
    );
    this.transport = null;
  }
}
