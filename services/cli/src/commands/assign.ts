import { assignMessage, confirmMessage } from "@baosong/db";
import type { Runtime } from "@baosong/runtime";

/** `baosong assign MESSAGE-ID SCHOOL [--campaign SLUG]`: file a mail under the school an admin names. */
export async function assignCommand(rt: Runtime, args: string[], out: (line: string) => void): Promise<number> {
  const campaignAt = args.indexOf("--campaign");
  const campaign = campaignAt >= 0 ? args[campaignAt + 1] : undefined;
  const [messageId, school] = args.filter((_, i) => campaignAt < 0 || (i !== campaignAt && i !== campaignAt + 1));
  if (!messageId || !school) {
    out("usage: baosong assign MESSAGE-ID SCHOOL [--campaign SLUG]");
    return 2;
  }
  return report(await assignMessage(rt.database.db, messageId, school, campaign), messageId, school, out);
}

/**
 * `baosong confirm MESSAGE-ID [--campaign SLUG]`: a mail filed as needing confirmation (named
 * a school, from an address not on the roster) belongs to the school it named (SPEC §3 Trust).
 */
export async function confirmCommand(rt: Runtime, args: string[], out: (line: string) => void): Promise<number> {
  const campaignAt = args.indexOf("--campaign");
  const campaign = campaignAt >= 0 ? args[campaignAt + 1] : undefined;
  const [messageId] = args.filter((_, i) => campaignAt < 0 || (i !== campaignAt && i !== campaignAt + 1));
  if (!messageId) {
    out("usage: baosong confirm MESSAGE-ID [--campaign SLUG]");
    return 2;
  }
  const r = await confirmMessage(rt.database.db, messageId, campaign);
  if (!r.ok && r.reason === "not_attributed") {
    out(`✗ 邮件 ${messageId} 没有识别出唯一的学校，无从确认。请用 baosong assign ${messageId} 学校名 指定学校。`);
    return 1;
  }
  return report(r, messageId, r.ok ? r.school : "", out);
}

function report(r: Awaited<ReturnType<typeof assignMessage>>, messageId: string, school: string, out: (line: string) => void): number {
  if (r.ok) {
    out(
      `✓ 邮件 ${messageId} 已登记为 ${r.school}（活动 ${r.campaign}${r.previous ? `，原为 ${r.previous}` : "，原为未识别"}），其中的表格和报告一并改归该校。`,
    );
    return 0;
  }
  const list = r.candidates.join("、");
  const why = {
    no_message: `找不到 Message-ID 为 ${messageId} 的邮件（可在 dashboard.messages 中查到 message_id）。`,
    ambiguous_message: `多个活动中都有这封邮件：${list}。请加上 --campaign 指明。`,
    no_school: `名册中没有“${school}”${list ? `，您是否要找：${list}` : ""}。请使用名册中的全称或简称。`,
    ambiguous_school: `“${school}”对应多所学校：${list}。请写全称。`,
  }[r.reason];
  out(`✗ ${why}`);
  return 1;
}
