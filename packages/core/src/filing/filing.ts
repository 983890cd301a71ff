import type { Campaign, DocumentKind } from "../campaign.ts";
import { composeAcknowledgement, type AcknowledgedFile, type ComposedMail, type OwedItem } from "../outgoing/acknowledgement.ts";
import { activityDayOf } from "../files/activity-day.ts";
import { bodyArticle, type BodyArticle } from "../files/body-article.ts";
import { attributeMessage, type Attribution, type RosterEntry } from "../attribution/attribution.ts";
import { detectAutoReply, type AutoReplyVerdict } from "../attribution/auto-reply.ts";
import { campaignDay, formatCampaignTime } from "../campaign-time.ts";
import { findLargeAttachmentLinks, isRecallNotice, type LargeAttachmentLink } from "../files/large-attachments.ts";
import { classifyByNameAndType, classifyByText, type Classification } from "../files/classification.ts";
import { readReport, type ReportSummary } from "../reports/report-reading.ts";
import { understandFile, type FileContent, type FileUnderstanding } from "../files/file-understanding.ts";
import { finding, type Finding } from "../finding.ts";
import { markSignedCopies } from "../files/signed-copy.ts";
import { senderAuth, type OwnAuthCheck, type SenderAuth, type SenderAuthRecord } from "../attribution/sender-auth.ts";
import { budgetFinding, ratioFinding, type BudgetBreach } from "../budgets.ts";
import { replyAddressFor } from "../attribution/reply-address.ts";

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
  /** The receiving server's header we trusted, the ones we ignored, and our own check. */
  authRecord: SenderAuthRecord;
  autoReply: AutoReplyVerdict;
  /**
   * needs_confirmation: attributed by a name or a form's unit cell from an address not on
   * the roster (SPEC §3 Trust); counted as received, but its forms never replace forms
   * from the school's roster address until an admin confirms it.
   * rejected: the mail could not be read at all (beyond the parser's limits); kept as it came.
   */
  status: "filed" | "unattributed" | "needs_confirmation" | "rejected";
  documents: FiledDocument[];
  /** Findings about the message as a whole, or about a part by its position. */
  findings: (Finding & { position: number | null })[];
  /** Where a 回执 would go: From, or Reply-To when it is a roster address of the same school. */
  replyAddress: string | null;
  senderOnRoster: boolean;
  largeAttachments: LargeAttachmentLink[];
  /** The body as a document of its own when it carries the article (SPEC §2). */
  bodyArticle: (BodyArticle & { kind: DocumentKind; activityDay: string; report: ReportSummary }) | null;
}

export interface UnderstandInput {
  mail: MailFacts;
  campaign: Campaign;
  roster: readonly RosterEntry[];
  rawSha256: string;
  receivedAt: Date;
  /** What the adapters read from each part, by position (sheets of a spreadsheet …). */
  contents?: ReadonlyMap<number, FileContent>;
  /** The authserv-ids of the mailbox's own server: only its Authentication-Results count. */
  authservIds?: readonly string[];
  /** Our own DKIM/DMARC verification of the raw mail, when it was done. */
  ownAuth?: OwnAuthCheck | null;
}

/** Decides what a mail is and whom it is from. Pure: the worker files what this returns. */
export function understandMessage({ mail, campaign, roster, rawSha256, receivedAt, contents, authservIds = [], ownAuth = null }: UnderstandInput): FilingPlan {
  const authRecord = senderAuth(mail.authenticationResults, authservIds, ownAuth);
  const auth = authRecord.verdict;
  const bySubject = classifyByText(mail.subject, "subject") ?? classifyByText(mail.text, "body");
  const receivedDay = campaignDay(receivedAt, campaign.timezone);
  const datedInWeek = (filename: string) => {
    const d = activityDayOf({ subject: mail.subject, filename, receivedDay, period: campaign.period });
    return d.source !== "received" && d.day >= campaign.period.start && d.day <= campaign.period.end;
  };
  const files = markSignedCopies(
    mail.parts.map((p) => ({
      position: p.position,
      filename: p.filename,
      // A member of an archive (or a forwarded mail) is named by itself: the mail's subject names the package, not each file in it.
      ...understandFile(
        classifyPart(p.filename, p.mediaType),
        p.filename,
        contents?.get(p.position) ?? {},
        campaign,
        isMember(p.filename) ? null : bySubject,
        datedInWeek(p.filename),
      ),
    })),
  );
  const attribution = attributeWithForms(
    mail,
    auth,
    files.flatMap((f) => f.unitNames),
    roster,
  );
  const autoReply: AutoReplyVerdict = isRecallNotice(mail.subject)
    ? { autoReply: true, reason: "recall_notice" }
    : detectAutoReply({ headers: mail.headers, fromAddress: mail.fromAddress, contentType: mail.contentType });
  const documents = files.map(({ findings: _f, unitNames: _u, filename: _n, ...f }) => ({
    ...f,
    activityDay: activityDayOf({
      subject: mail.subject,
      filename: mail.parts.find((p) => p.position === f.position)!.filename,
      receivedDay,
      period: campaign.period,
    }).day,
  }));
  const from = mail.fromAddress?.toLowerCase() ?? "";
  // A roster address that failed DMARC is not the school's: no 回执 goes to it as if it were.
  const senderOnRoster = Boolean(from) && auth !== "fail" && roster.some((s) => s.senders.some((a) => a.toLowerCase() === from));

  const findings: FilingPlan["findings"] = [
    ...mail.problems.map((p) => ({ ...problemFinding(p, campaign), position: null })),
    ...files.flatMap((f) => f.findings.map((x) => ({ ...x, position: f.position }))),
  ];
  if (attribution.schoolId === null) {
    findings.push({
      ...finding("warning", "unattributed", "系统无法确认这封邮件来自哪所学校，请回复本邮件并写明贵校全称。", "school"),
      position: null,
    });
  }

  const unconfirmed = attribution.schoolId !== null && (attribution.attributedBy === "name" || attribution.attributedBy === "form");
  if (unconfirmed) {
    const school = roster.find((s) => s.id === attribution.schoolId)!.name;
    findings.push({
      ...finding(
        "warning",
        "needs_confirmation",
        `发件地址 ${mail.fromAddress ?? "（无）"} 不在“${school}”的报送名册中，系统根据${attribution.attributedBy === "form" ? "表格中的填报单位" : "邮件中的校名"}将这封邮件暂记在该校名下，待管理员确认。确认之前，其中的表格不会替换该校登记邮箱报送的版本。如这是贵校新的报送邮箱，请联系活动负责人登记。`,
        "school",
      ),
      position: null,
    });
  }

  const largeAttachments = findLargeAttachmentLinks(mail.html, campaign.timezone);
  for (const l of largeAttachments) {
    const until = l.expiresAt ? `，下载链接将于 ${formatCampaignTime(l.expiresAt, campaign.timezone)} 失效` : "";
    findings.push({
      ...finding(
        "warning",
        "large_attachment_link",
        `“${l.filename}”以QQ邮箱超大附件（链接）形式发送${until}。系统已记录该链接；如有可能，请压缩后作为普通附件发送，以免链接过期后文件丢失。`,
        "attachment",
      ),
      position: null,
    });
  }

  const article = bodyArticle(mail.text, mail.subject);
  const photos = files.filter((f) => f.kind === "media_photo").length;

  return {
    messageId: mail.messageId ?? `sha256-${rawSha256.slice(0, 32)}@baosong.invalid`,
    attribution,
    auth,
    authRecord,
    autoReply,
    status: attribution.schoolId === null ? "unattributed" : unconfirmed ? "needs_confirmation" : "filed",
    documents,
    findings,
    replyAddress: replyAddressFor(mail, attribution, roster),
    senderOnRoster,
    largeAttachments,
    bodyArticle: article && {
      ...article,
      // Read like any report, so it has its dashboard.reports row; the attached photos are its pictures.
      report: bodyReport(article.text, photos, campaign),
      kind: "daily_report",
      activityDay: activityDayOf({ subject: mail.subject, filename: null, receivedDay, period: campaign.period }).day,
    },
  };
}

/** Archive members are filed as `archive.zip/inner/name.docx`, forwarded mails' parts as `subject.eml/name.docx`. */
function isMember(filename: string): boolean {
  return filename.includes("/");
}

/** A member by its own name first, then by the path of the archive it came in. */
function classifyPart(filename: string, mediaType: string): Classification {
  if (!isMember(filename)) return classifyByNameAndType(filename, mediaType);
  const own = classifyByNameAndType(filename.slice(filename.lastIndexOf("/") + 1), mediaType);
  if (own.kind !== "other" || own.classifiedBy !== "no_rule_matched") return own;
  const byPath = classifyByText(filename.slice(0, filename.lastIndexOf("/")), "filename");
  return byPath ? { kind: byPath.kind, classifiedBy: byPath.classifiedBy.replace(/^filename:/u, "archive_name:") } : own;
}

/** The body article as a report: its first line the title, its length counted like a document's. */
function bodyReport(text: string, photos: number, campaign: Campaign): ReportSummary {
  const doc = { paragraphs: text.split("\n").map((line) => ({ text: line, heading: false })), imageCount: photos };
  const rules = campaign.requirements.find((r) => r.kind === "daily_report")?.rules ?? {};
  const { findings: _f, ...summary } = readReport(doc, "daily_report", rules);
  return summary;
}

/** SPEC §3: sender, QQ number, a name in subject, file names or body; last, a form's unit cell. */
function attributeWithForms(mail: MailFacts, auth: SenderAuth, unitNames: string[], roster: readonly RosterEntry[]): Attribution {
  const byMail = attributeMessage(
    { fromAddress: mail.fromAddress, auth, texts: [mail.subject ?? "", ...mail.parts.map((p) => p.filename), mail.text] },
    roster,
  );
  if (byMail.schoolId !== null || byMail.candidates.length > 1 || unitNames.length === 0) return byMail;
  const byForm = attributeMessage({ fromAddress: null, auth, texts: unitNames }, roster);
  return byForm.schoolId === null ? byMail : { ...byForm, attributedBy: "form", reason: `表格填报单位：${byForm.reason.replace(/^邮件中出现校名/, "")}` };
}

function problemFinding(p: { code: string; filename: string | null; detail: string }, campaign: Campaign): Finding {
  const name = p.filename ? `“${p.filename}”` : "";
  const budget = /^(mail|sender)_budget_(attachment_bytes|archive_bytes|files)$/.exec(p.code);
  if (budget) return budgetFinding(budget[2] as BudgetBreach, budget[1] === "sender", campaign.budgets, p.filename);
  switch (p.code) {
    case "archive_ratio":
      return ratioFinding(p.filename ?? "", campaign.budgets);
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
