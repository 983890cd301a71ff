import type { ComposedMail } from "./acknowledgement.ts";
import type { Campaign } from "../campaign.ts";
import { formatCampaignTime } from "../campaign-time.ts";
import type { PlannedReminder } from "../schedule/outgoing-plan.ts";
import { describeRemaining, renderHtml, renderText, type MailBlock } from "./mail-blocks.ts";
import { itemLine, itemsPhrase, monthDay, noticeBase, signature, stillToFix, type SchoolNoticeInput } from "./school-notice.ts";

export interface ReminderInput extends SchoolNoticeInput {
  /** The day's reminder of a daily requirement (at `remind_at`), not an offset before a deadline. */
  daily: boolean;
}

export function reminderInput(campaign: Campaign, planned: PlannedReminder, now: Date): ReminderInput {
  return { ...noticeBase(campaign, planned.to.school, now, planned.items), daily: planned.trigger === "daily" };
}

/** 提醒 (SPEC §5): what the school still owes before a deadline, and where to send it. */
export function composeReminder(r: ReminderInput): ComposedMail {
  return r.daily ? composeDailyReminder(r) : composeDeadlineReminder(r);
}

function composeDeadlineReminder(r: ReminderInput): ComposedMail {
  const soonest = r.items.reduce((t, i) => Math.min(t, i.dueAt.getTime()), Infinity);
  const remaining = describeRemaining(soonest - r.now.getTime());
  const subject = `【提醒】${itemsPhrase(r.items)}距截止还有${remaining}`.slice(0, 200);
  const blocks: MailBlock[] = [
    { kind: "p", text: `${r.schoolName}：` },
    {
      kind: "p",
      text: `您好！${r.campaignTitle}有材料即将截止。截至${formatCampaignTime(r.now, r.timeZone)}，贵校以下材料尚未报送${stillToFix(r.items)}：`,
    },
    {
      kind: "list",
      items: r.items.map((i) => itemLine(i, r.timeZone, `（距截止还有${describeRemaining(i.dueAt.getTime() - r.now.getTime())}）`)),
    },
    { kind: "p", text: `请在截止时间前将材料发送至 ${r.submitTo}，邮件主题请写明学校名称和材料名称。` },
    { kind: "note", text: "如您已经发送，邮件可能仍在处理中，请以稍后收到的回执为准，并忽略本提醒。感谢您的配合！" },
    { kind: "p", text: signature(r.organizer, r.campaignTitle) },
  ];
  return { subject, text: renderText(blocks), html: renderHtml(subject, blocks) };
}

function composeDailyReminder(r: ReminderInput): ComposedMail {
  const first = r.items[0];
  const byTime = first ? formatCampaignTime(first.dueAt, r.timeZone).split(" ")[1] : "";
  const day = first?.day ? monthDay(first.day) : "今天";
  const names = r.items.map((i) => i.title).join("、");
  const subject = `【提醒】今日（${day}）尚未收到贵校的${names}，请于${byTime}前报送`.slice(0, 200);
  const blocks: MailBlock[] = [
    { kind: "p", text: `${r.schoolName}：` },
    {
      kind: "p",
      text: `您好！今天是${day}。截至${formatCampaignTime(r.now, r.timeZone)}，我们尚未收到贵校今日报送的${names}。`,
    },
    { kind: "list", items: r.items.map((i) => itemLine(i, r.timeZone)) },
    { kind: "p", text: `请于今日${byTime}前将当天的材料发送至 ${r.submitTo}，邮件主题请写明学校名称和日期。` },
    { kind: "note", text: "如您已经发送，邮件可能仍在处理中，请以稍后收到的回执为准，并忽略本提醒。感谢您的配合！" },
    { kind: "p", text: signature(r.organizer, r.campaignTitle) },
  ];
  return { subject, text: renderText(blocks), html: renderHtml(subject, blocks) };
}
