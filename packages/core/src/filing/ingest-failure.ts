import { finding, type Finding } from "../finding.ts";

/**
 * Whether a mail whose reading failed should be tried again. A failure that the same bytes
 * would cause every time — the mail is beyond the MIME parser's own limits — is not retried:
 * the mail is filed as rejected with a finding, and the sender is told how to send it again.
 * Anything else (a database or Redis blip, a full disk, a crash in a file reader) is retried.
 */
export type IngestFailureVerdict =
  | { retry: true }
  | { retry: false; reason: "mime_too_many_parts" | "mime_header_too_large" | "mime_too_large"; finding: Finding };

/** What is known of an error: its machine code and message (mailsplit: EMAXLEN). */
export interface FailureFacts {
  code?: unknown;
  message?: unknown;
}

export function ingestFailureVerdict(err: unknown): IngestFailureVerdict {
  const e = (typeof err === "object" && err !== null ? err : {}) as FailureFacts;
  // mailsplit (under mailparser) refuses more than 1000 MIME nodes and a node header over
  // 1 MB with code EMAXLEN; it does so at the same byte every time.
  if (e.code !== "EMAXLEN") return { retry: true };
  const message = typeof e.message === "string" ? e.message : "";
  if (/child nodes/i.test(message)) {
    return {
      retry: false,
      reason: "mime_too_many_parts",
      finding: finding(
        "error",
        "mime_too_many_parts",
        "这封邮件包含的附件和内容段落过多（超过1000个），系统无法拆开读取，已原样保存。请将附件压缩为一个zip文件，或分几封邮件重新发送。",
      ),
    };
  }
  if (/header/i.test(message)) {
    return {
      retry: false,
      reason: "mime_header_too_large",
      finding: finding(
        "error",
        "mime_header_too_large",
        "这封邮件的信头过大（超过1MB），系统无法读取，已原样保存。这通常由邮件客户端或转发造成，请新建一封邮件、添加附件后重新发送。",
      ),
    };
  }
  return {
    retry: false,
    reason: "mime_too_large",
    finding: finding("error", "mime_too_large", "这封邮件的结构超出系统能读取的范围，已原样保存。请新建一封邮件、添加附件后重新发送。"),
  };
}
