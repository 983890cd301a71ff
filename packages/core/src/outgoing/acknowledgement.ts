import type { DocumentKind } from "../campaign.ts";
import { formatCampaignTime } from "../campaign-time.ts";
import type { Finding } from "../finding.ts";
import { kindLabels } from "../kinds.ts";
import { renderHtml, renderText, type MailBlock } from "./mail-blocks.ts";
import { formatBytes } from "../text.ts";

export interface AcknowledgedFile {
  filename: string;
  kind: DocumentKind;
  sizeBytes: number;
  /** Key values read from the file, e.g. 联系人：张三. */
  summary?: readonly string[];
  findings?: readonly Finding[];
}

export interface OwedItem {
  title: string;
  dueAt: Date;
}

export interface AcknowledgementInput {
  campaignTitle: string;
  organizer: string;
  timeZone: string;
  /** The roster name, or null when the mail could not be attributed. */
  schoolName: string | null;
  subject: string | null;
  receivedAt: Date;
  files: readonly AcknowledgedFile[];
  /** Findings about the mail as a whole (not tied to one file). */
  findings: readonly Finding[];
  owed: readonly OwedItem[];
}

export interface ComposedMail {
  subject: string;
  text: string;
  html: string;
}

/** The 回执 (SPEC §5): what was received, how each file was understood, what is wrong, what is still owed. */
export function composeAcknowledgement(a: AcknowledgementInput): ComposedMail {
  const received = formatCampaignTime(a.receivedAt, a.timeZone);
  const subjectLine = a.subject?.trim() ? `“${a.subject.trim()}”` : "（无主题）";
  const subject = `【回执】${a.campaignTitle}：已收到您的邮件 ${subjectLine}`.slice(0, 200);

  const blocks: MailBlock[] = [];
  blocks.push({ kind: "p", text: a.schoolName ? `${a.schoolName}：` : "老师您好：" });
  blocks.push({ kind: "p", text: `我们已于 ${received} 收到您发送的邮件 ${subjectLine}。本回执由报送系统自动发送。` });

  if (!a.schoolName) {
    blocks.push({
      kind: "warn",
      text: "我们无法确认这封邮件来自哪所学校。请直接回复本邮件，写明贵校在名册中的全称（例如“重庆市荣昌区职业教育中心”），我们会据此登记。",
    });
  }

  if (a.files.length === 0) {
    blocks.push({ kind: "p", text: "这封邮件没有附件。如您本想发送文件，请检查后重新发送。" });
  } else {
    blocks.push({ kind: "h", text: `收到的文件（共 ${a.files.length} 个）` });
    blocks.push({
      kind: "list",
      ordered: true,
      items: a.files.map((f) => {
        const head = `${f.filename}（${formatBytes(f.sizeBytes)}）——识别为：${kindLabels[f.kind]}`;
        const details = [...(f.summary ?? []), ...(f.findings ?? []).map(describeFinding)];
        return details.length ? `${head}\n${details.map((d) => `   · ${d}`).join("\n")}` : head;
      }),
    });
  }

  if (a.findings.length) {
    blocks.push({ kind: "h", text: "需要您注意的问题" });
    blocks.push({ kind: "list", items: a.findings.map(describeFinding) });
  }

  const hasErrors = [...a.findings, ...a.files.flatMap((f) => f.findings ?? [])].some((f) => f.severity === "error");
  if (hasErrors) {
    blocks.push({ kind: "warn", text: "以上标注【错误】的内容请修改后重新发送；新版本会自动替换旧版本，旧版本也会保留。" });
  }

  if (a.owed.length) {
    blocks.push({ kind: "h", text: "贵校尚未报送的材料" });
    blocks.push({
      kind: "list",
      items: a.owed.map((o) => `${o.title}，截止时间：${formatCampaignTime(o.dueAt, a.timeZone)}`),
    });
  }

  blocks.push({ kind: "p", text: "如有疑问，请与活动主办单位联系。感谢您的配合！" });
  blocks.push({ kind: "p", text: `${a.organizer}\n${a.campaignTitle}报送系统` });

  return { subject, text: renderText(blocks), html: renderHtml(subject, blocks) };
}

function describeFinding(f: Finding): string {
  return `${f.severity === "error" ? "【错误】" : "【提醒】"}${f.message}`;
}
