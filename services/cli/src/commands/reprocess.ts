import { JobQueues } from "@baosong/queue";
import type { Runtime } from "@baosong/runtime";
import { reprocessMessage, type Understanding } from "@baosong/svc-worker";

const statusNames: Record<string, string> = { filed: "已登记", unattributed: "未识别学校", rejected: "已拒收", failed: "处理失败" };
const describe = (u: Understanding) => `${u.school ?? "未识别学校"}（${statusNames[u.status] ?? u.status}，识别方式 ${u.attributedBy}）`;

/**
 * `baosong reprocess MESSAGE-ID [--campaign SLUG]`: understand a stored mail again with the
 * current roster and campaign. Safe to repeat; the 回执 is not sent again.
 */
export async function reprocessCommand(rt: Runtime, args: string[], out: (line: string) => void): Promise<number> {
  const campaignAt = args.indexOf("--campaign");
  const campaign = campaignAt >= 0 ? args[campaignAt + 1] : undefined;
  const [messageId] = args.filter((_, i) => campaignAt < 0 || (i !== campaignAt && i !== campaignAt + 1));
  if (!messageId) {
    out("usage: baosong reprocess MESSAGE-ID [--campaign SLUG]");
    return 2;
  }
  const queues = new JobQueues({ redisUrl: rt.settings.REDIS_URL, prefix: rt.settings.BAOSONG_QUEUE_PREFIX });
  try {
    const actor = `cli:${process.env.USER ?? "unknown"}`;
    const r = await reprocessMessage({ db: rt.database.db, blobs: rt.blobs, queues, logger: rt.logger }, messageId, actor, campaign);
    if (!r.ok) {
      out(
        r.reason === "no_message"
          ? `✗ 找不到 Message-ID 为 ${messageId} 的邮件（可在 dashboard.messages 中查到 message_id）。`
          : `✗ 多个活动中都有这封邮件：${r.candidates.join("、")}。请加上 --campaign 指明。`,
      );
      return 1;
    }
    out(`✓ 已重新识别邮件 ${messageId}（活动 ${r.campaign}）：之前 ${describe(r.before)}，现在 ${describe(r.after)}。`);
    return 0;
  } finally {
    await queues.close();
  }
}
