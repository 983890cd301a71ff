import { z } from "zod";
import { finding, type Finding } from "./finding.ts";
import { formatBytes } from "./text.ts";

/**
 * Disk budgets (SPEC §8): what one mail and one sender may make us store, so that no sender
 * can fill the disk. Archive members are budgeted apart from plain attachments: a plain
 * attachment is never larger than the mail that carried it, while an archive can unpack to
 * a thousand times its size. Defaults fit 40–500 schools sending videos of hundreds of MB.
 */
const UNITS: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KIB: 1024, MIB: 1024 ** 2, GIB: 1024 ** 3 };

/** A byte count written as a number or as `500MB`, `2GiB`. */
export const byteSize = z.union([
  z.number().int().nonnegative(),
  z
    .string()
    .regex(/^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|KiB|MiB|GiB)\s*$/i, "expected a size like 500MB or 2GiB")
    .transform((s) => {
      const [, n, unit] = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(s)!;
      return Math.round(Number(n) * UNITS[unit!.toUpperCase()]!);
    }),
]);

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

const allowance = z.strictObject({
  /** Decoded bytes of plain attachments (and forwarded mails). */
  attachment_bytes: byteSize,
  /** Bytes unpacked from archives, nested ones included. */
  archive_bytes: byteSize,
  /** Files stored: attachments and archive members. */
  files: z.number().int().positive(),
});

export const budgetsSchema = z.strictObject({
  per_mail: allowance.default({ attachment_bytes: 2 * GiB, archive_bytes: 2 * GiB, files: 500 }),
  /** Per sender address, over mails received within `window_hours` (by the server's INTERNALDATE). */
  per_sender: allowance
    .extend({
      window_hours: z
        .number()
        .int()
        .positive()
        .max(24 * 31)
        .default(24),
    })
    .default({ attachment_bytes: 10 * GiB, archive_bytes: 6 * GiB, files: 3000, window_hours: 24 }),
  /** An archive member unpacking to more than `max` times its packed size, once past `min_bytes`, is a bomb. */
  archive_ratio: z.strictObject({ max: z.number().positive().default(100), min_bytes: byteSize.default(16 * MiB) }).default({ max: 100, min_bytes: 16 * MiB }),
});

export type Budgets = z.infer<typeof budgetsSchema>;
export type Allowance = z.infer<typeof allowance>;
export const defaultBudgets: Budgets = budgetsSchema.parse({});

/** What one mail may store: the per-mail allowance, cut down to what its sender has left. */
export interface BudgetGrant {
  attachmentBytes: number;
  archiveBytes: number;
  files: number;
  /** Which limits came from the sender's remaining allowance rather than the per-mail one. */
  senderLimited: { attachmentBytes: boolean; archiveBytes: boolean; files: boolean };
}

/**
 * `mailBytes` bounds the mail's plain attachments from its raw size (decoding only shrinks a part;
 * the caller allows for forwards, whose files count again, level by level):
 * granting no more keeps a sender's mails in flight together from reserving the sender's whole
 * allowance (five 2 GiB grants of 300 KB mails would leave the sixth nothing).
 */
export function grantFor(budgets: Budgets, senderUsed: Allowance, mailBytes = Number.POSITIVE_INFINITY): BudgetGrant {
  const left = (key: keyof Allowance) => Math.max(0, budgets.per_sender[key] - senderUsed[key]);
  const pick = (key: keyof Allowance) => Math.min(budgets.per_mail[key], left(key));
  return {
    attachmentBytes: Math.min(pick("attachment_bytes"), mailBytes),
    archiveBytes: pick("archive_bytes"),
    files: pick("files"),
    senderLimited: {
      attachmentBytes: left("attachment_bytes") < budgets.per_mail.attachment_bytes,
      archiveBytes: left("archive_bytes") < budgets.per_mail.archive_bytes,
      files: left("files") < budgets.per_mail.files,
    },
  };
}

/**
 * Whether a mail should wait rather than take its grant now: the sender's mails in flight hold
 * their whole grants until they are filed, and it is those reservations, not what the sender
 * really stored, that cut this mail's grant. They settle within seconds; a grant taken now
 * would refuse files the sender is entitled to (the database function baosong_grant_budget
 * applies the same rule).
 */
export function waitsForInFlight(budgets: Budgets, settled: Allowance, inFlight: Allowance, mailBytes = Number.POSITIVE_INFINITY): boolean {
  const now = grantFor(budgets, sumOf(settled, inFlight), mailBytes);
  const later = grantFor(budgets, settled, mailBytes);
  return later.attachmentBytes > now.attachmentBytes || later.archiveBytes > now.archiveBytes || later.files > now.files;
}

function sumOf(a: Allowance, b: Allowance): Allowance {
  return { attachment_bytes: a.attachment_bytes + b.attachment_bytes, archive_bytes: a.archive_bytes + b.archive_bytes, files: a.files + b.files };
}

export type BudgetBreach = "attachment_bytes" | "archive_bytes" | "files";

/** The finding for a breached budget; `bySender` when the sender's allowance was what ran out. */
export function budgetFinding(breach: BudgetBreach, bySender: boolean, budgets: Budgets, filename: string | null): Finding {
  const name = filename ? `“${filename}”` : "";
  if (bySender) {
    const limit = breach === "files" ? `${budgets.per_sender.files} 个文件` : formatBytes(budgets.per_sender[breach]);
    return finding(
      "error",
      `sender_budget_${breach}`,
      `贵单位（同一发件地址）${budgets.per_sender.window_hours}小时内发送的${breach === "archive_bytes" ? "压缩包解压后" : "附件"}已超过系统上限（${limit}），这封邮件中${name}超出部分未被保存。如确需补充发送，请稍后再发或联系活动负责人。`,
      "attachment",
    );
  }
  const limit = breach === "files" ? `${budgets.per_mail.files} 个文件` : formatBytes(budgets.per_mail[breach]);
  const what = breach === "archive_bytes" ? "压缩包解压后的总大小" : breach === "files" ? "附件和压缩包内的文件总数" : "附件总大小";
  return finding(
    "error",
    `mail_budget_${breach}`,
    `这封邮件的${what}超过单封邮件的上限（${limit}），${name}超出部分未被保存。请分几封邮件发送，视频请单独发送。`,
    "attachment",
  );
}

export function ratioFinding(filename: string, budgets: Budgets): Finding {
  return finding(
    "error",
    "archive_ratio",
    `压缩包中的“${filename}”解压后超过压缩前大小的 ${budgets.archive_ratio.max} 倍，疑似异常压缩文件，未被解开保存。请直接发送原文件，不要压缩。`,
    "attachment",
  );
}
