import type { Campaign, DocumentKind } from "./campaign.ts";
import { composeAcknowledgement, type AcknowledgedFile, type ComposedMail, type OwedItem } from "./acknowledgement.ts";
import { activityDayOf } from "./activity-day.ts";
import { bodyArticle, type BodyArticle } from "./body-article.ts";
import { attributeMessage, type Attribution, type RosterEntry } from "./attribution.ts";
import { detectAutoReply, type AutoReplyVerdict } from "./auto-reply.ts";
import { campaignDay, formatCampaignTime } from "./campaign-time.ts";
import { findLargeAttachmentLinks, isRecallNotice, type LargeAttachmentLink } from "./large-attachments.ts";
import { classifyByNameAndType, classifyByText } from "./classification.ts";
import { understandFile, type FileContent, type FileUnderstanding } from "./file-understanding.ts";
import { finding, type Finding } from "./finding.ts";
import { markSignedCopies } from "./signed-copy.ts";
import { readSenderAuth, type SenderAuth } from "./sender-auth.ts";

/** What the mail adapter read from a raw message; no I/O handles, just facts. */
export interface MailFacts {
  messageId: string | null;
  fromAddress: string | null;
  replyTo: string | null;
  subject: string | null;
  contentType: string | null;
  headers: ReadonlyMap<string, string>;
  authenticationResults: readonly string[];
  text: string;
  html: string | null;
  parts: readonly {
    position: number;
    filename: string;
    mediaType: string;
    sizeBytes: number;
  }[];
  problems: readonly { code: string; filename: string | null; detail: string }[];
}

export interface FiledDocument extends Omit<FileUnderstanding, "findings" | "unitNames"> {
  position: number;
  activityDay: string;
}

export interface FilingPlan {
  messageId: string;
  attribution: Attribution;
  auth: SenderAuth;
  autoReply: AutoReplyVerdict;
  /** `rejected`: the mail could not be read at all (beyond the parser's limits); kept as it came. */
  status: "filed" | "unattributed" | "rejected";
  documents: FiledDocument[];
  /** Findings about the message as a whole, or about a part by its position. */
  findings: (Finding & { position: number | null })[];
  /** Where a 回执 would go: Reply-To, else From. */
  replyAddress: string | null;
  senderOnRoster: boolean;
  largeAttachments: LargeAttachmentLink[];
  /** The body as a document of its own when it carries the article (SPEC §2). */
  bodyArticle: (BodyArticle & { kind: DocumentKind; activityDay: string }) | null;
}

export interface UnderstandInput {
  mail: MailFacts;
  campaign: Campaign;
  roster: readonly RosterEntry[];
  rawSha256: string;
  receivedAt: Date;
  /** What the adapters read from each part, by position (sheets of a spreadsheet …). */
  contents?: ReadonlyMap<number, FileContent>;
}

/** Decides what a mail is and whom it is from. Pure: the worker files what this returns. */
export function understandMessage({ mail, campaign, roster, rawSha256, receivedAt, contents }: UnderstandInput): FilingPlan {
  const auth = readSenderAuth(mail.authenticationResults);
  const bySubject = classifyByText(mail.subject, "subject") ?? classifyByText(mail.text, "body");
  const files = markSignedCopies(
    mail.parts.map((p) => ({
      position: p.position,
      filename: p.filename,
      ...understandFile(classifyByNameAndType(p.filename, p.mediaType), p.filename, contents?.get(p.position) ?? {}, campaign, bySubject),
    })),
  );
  const attribution = attributeWithForms(mail, auth, files.flatMap((f) => f.unitNames), roster);
  const autoReply: AutoReplyVerdict = isRecallNotice(mail.subject)
    ? { autoReply: true, reason: "recall_notice" }
    : detectAutoReply({ headers: mail.headers, fromAddress: mail.fromAddress, contentType: mail.contentType });
  const receivedDay = campaignDay(receivedAt, campaign.timezone);
  const documents = files.map(({ findings: _f, unitNames: _u, filename: _n, ...f }) => ({
    ...f,
    activityDay: activityDayOf({ subject: mail.subject, filename: mail.parts.find((p) => p.position === f.position)!.filename, receivedDay, period: campaign.period }).day,
  }));
  const from = mail.fromAddress?.toLowerCase() ?? "";
  const senderOnRoster = Boolean(from) && roster.some((s) => s.senders.some((a) => a.toLowerCase() === from));

  const findings: FilingPlan["findings"] = [
    ...mail.problems.map((p) => ({ ...problemFinding(p), position: null })),
    ...files.flatMap((f) => f.findings.map((x) => ({ ...x, position: f.position }))),
  ];
  if (attribution.schoolId === null) {
    findings.push({
      ...finding("warning", "unattributed", "系统无法确认这封邮件来自哪所学校，请回复本邮件并写明贵校全称。", "school"),
      position: null,
    });
  }

  const largeAttachments = findLargeAttachmentLinks(mail.html, campaign.timezone);
  for (const l of largeAttachments) {
    const until = l.expiresAt ? `，下载链接将于 ${formatCampaignTime(l.expiresAt, campaign.timezone)} 失效` : "";
    findings.push({
      ...finding("warning", "large_attachment_link", `“${l.filename}”以QQ邮箱超大附件（链接）形式发送${until}。系统已记录该链接；如有可能，请压缩后作为普通附件发送，以免链接过期后文件丢失。`, "attachment"),
      position: null,
    });
  }

  const article = bodyArticle(mail.text, mail.subject);

  return {
    messageId: mail.messageId ?? `sha256-${rawSha256.slice(0, 32)}@baosong.invalid`,
    attribution,
    auth,
    autoReply,
    status: attribution.schoolId === null ? "unattributed" : "filed",
    documents,
    findings,
    replyAddress: mail.replyTo ?? mail.fromAddress,
    senderOnRoster,
    largeAttachments,
    bodyArticle: article && {
      ...article,
      kind: "daily_report",
      activityDay: activityDayOf({ subject: mail.subject, filename: null, receivedDay, period: campaign.period }).day,
    },
  };
}

/** SPEC §3: sender, QQ number, a name in subject, file names or body; last, a form's unit cell. */
function attributeWithForms(mail: MailFacts, auth: SenderAuth, unitNames: string[], roster: readonly RosterEntry[]): Attribution {
  const byMail = attributeMessage({ fromAddress: mail.fromAddress, auth, texts: [mail.subject ?? "", ...mail.parts.map((p) => p.filename), mail.text] }, roster);
  if (byMail.schoolId !== null || byMail.candidates.length > 1 || unitNames.length === 0) return byMail;
  const byForm = attributeMessage({ fromAddress: null, auth, texts: unitNames }, roster);
  return byForm.schoolId === null ? byMail : { ...byForm, attributedBy: "form", reason: `表格填报单位：${byForm.reason.replace(/^邮件中出现校名/, "")}` };
}

function problemFinding(p: { code: string; filename: string | null; detail: string }): Finding {
  const name = p.filename ? `“${p.filename}”` : "";
  switch (p.code) {
    case "too_many_parts":
      return finding("error", "too_many_parts", "这封邮件的附件数量超过系统上限，多出的附件未被读取。请分几封邮件发送。");
    case "part_too_large":
      return finding("error", "part_too_large", `附件${name}超过大小上限，未能保存。请压缩后重新发送，或使用网盘链接。`, "attachment");
    case "body_truncated":
      return finding("warning", "body_truncated", "邮件正文过长，系统只保存了前面的部分。如正文是稿件，请改为Word附件发送。", "body");
    case "archive_depth":
      return finding("warning", "archive_depth", `压缩包${name}嵌套层数过多，最里层的压缩包未再解开。请直接发送其中的文件。`, "attachment");
    case "archive_members":
      return finding("error", "archive_members", `压缩包${name}中的文件数量超过上限，多出的文件未被读取。请分几个压缩包或几封邮件发送。`, "attachment");
    case "archive_size":
    case "archive_member_size":
      return finding("error", p.code, `压缩包${name}解压后过大，超出部分未被读取。请分开发送，或将视频单独发送。`, "attachment");
    case "archive_encrypted":
      return finding("error", "archive_encrypted", `压缩包${name}中的文件设有密码，系统无法打开。请去掉密码后重新发送。`, "attachment");
    case "archive_corrupt":
    case "archive_unsupported":
      return finding("error", p.code, `压缩包${name}已损坏或格式不受支持，能读出的文件已保存。请重新压缩为 zip 格式后发送。`, "attachment");
    default:
      return finding("error", "part_unreadable", `附件${name}无法读取，请检查文件是否损坏后重新发送。`, "attachment");
  }
}

export interface AckContext {
  campaign: Campaign;
  schoolName: string | null;
  subject: string | null;
  receivedAt: Date;
  files: AcknowledgedFile[];
  findings: readonly Finding[];
  owed: readonly OwedItem[];
}

export function acknowledgementFor(c: AckContext): ComposedMail {
  return composeAcknowledgement({
    campaignTitle: c.campaign.title,
    organizer: c.campaign.organizer,
    timeZone: c.campaign.timezone,
    schoolName: c.schoolName,
    subject: c.subject,
    receivedAt: c.receivedAt,
    files: c.files,
    findings: c.findings,
    owed: c.owed,
  });
}
