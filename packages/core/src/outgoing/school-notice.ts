import type { Campaign } from "../campaign.ts";
import { formatCampaignTime } from "../campaign-time.ts";
import type { OwedDeadline } from "../schedule/school-status.ts";

/** One item a reminder or an overdue notice speaks of. */
export interface NoticeItem {
  title: string;
  dueAt: Date;
  /** missing: nothing received; invalid: received, but with errors to fix. */
  status: "missing" | "invalid";
  /** The campaign day of a daily item; null or absent for a single deadline. */
  day?: string | null;
}

/** What reminders and overdue notices to one school have in common. */
export interface SchoolNoticeInput {
  campaignTitle: string;
  organizer: string;
  timeZone: string;
  schoolName: string;
  /** The address the school sends its material to. */
  submitTo: string;
  /** When the mail is composed: remaining time is counted from here. */
  now: Date;
  items: readonly NoticeItem[];
}

export function noticeItems(items: readonly OwedDeadline[]): NoticeItem[] {
  return items.map((o) => ({ title: o.title, dueAt: o.dueAt, status: o.status, day: o.deadline.day }));
}

/** The mailbox a school reports to: its own when the campaign has several, else the first. */
export function submitAddress(campaign: Campaign, school: string): string {
  const mailboxId = campaign.schools.find((s) => s.name === school)?.mailbox;
  const mailbox = campaign.mailboxes.find((m) => m.id === mailboxId) ?? campaign.mailboxes[0];
  return mailbox?.address ?? "";
}

export function noticeBase(campaign: Campaign, school: string, now: Date, items: readonly OwedDeadline[]): SchoolNoticeInput {
  return {
    campaignTitle: campaign.title,
    organizer: campaign.organizer,
    timeZone: campaign.timezone,
    schoolName: school,
    submitTo: submitAddress(campaign, school),
    now,
    items: noticeItems(items),
  };
}

/** 情况统计表（5月16日）: a daily item is named with its day. */
export function itemName(item: NoticeItem): string {
  return item.day ? `${item.title}（${monthDay(item.day)}）` : item.title;
}

/** 5月16日 from a campaign day (YYYY-MM-DD). */
export function monthDay(day: string): string {
  const [, m, d] = day.split("-").map(Number) as [number, number, number];
  return `${m}月${d}日`;
}

/** “A” or “A等3项材料”, for a subject line. */
export function itemsPhrase(items: readonly NoticeItem[]): string {
  const first = items[0] ? `“${itemName(items[0])}”` : "材料";
  return items.length > 1 ? `${first}等${items.length}项材料` : first;
}

export function itemLine(item: NoticeItem, timeZone: string, extra = ""): string {
  const state = item.status === "invalid" ? "已收到，但存在需要修改的问题，请按回执中的说明修改后重新发送" : "尚未收到";
  return `${itemName(item)}：截止时间 ${formatCampaignTime(item.dueAt, timeZone)}${extra}；${state}`;
}

/** “或仍需修改” when some item arrived with errors. */
export function stillToFix(items: readonly NoticeItem[]): string {
  return items.some((i) => i.status === "invalid") ? "或仍需修改" : "";
}

export function signature(organizer: string, campaignTitle: string): string {
  return `${organizer}\n${campaignTitle}报送系统（本邮件由系统自动发送）`;
}
