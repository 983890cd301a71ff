import type { ComposedMail } from "./acknowledgement.ts";
import type { Campaign } from "../campaign.ts";
import { formatCampaignTime } from "../campaign-time.ts";
import type { PlannedOverdue } from "../schedule/outgoing-plan.ts";
import { renderHtml, renderText, type MailBlock } from "./mail-blocks.ts";
import { itemLine, itemsPhrase, noticeBase, signature, stillToFix, type SchoolNoticeInput } from "./school-notice.ts";

export type OverdueInput = SchoolNoticeInput;

export function overdueInput(campaign: Campaign, planned: PlannedOverdue, now: Date): OverdueInput {
  return noticeBase(campaign, planned.to.school, now, planned.items);
}

/** 逾期提醒 (SPEC §5): sent once after a deadline to a school that still owes the item. */
export function composeOverdueNotice(r: OverdueInput): ComposedMail {
  const onlyFlawed = r.items.every((i) => i.status === "invalid");
  const subject = `【逾期提醒】${itemsPhrase(r.items)}已过截止时间，${onlyFlawed ? "贵校报送的材料仍需修改" : "尚未收到贵校报送"}`.slice(0, 200);
  const blocks: MailBlock[] = [
    { kind: "p", text: `${r.schoolName}：` },
    {
      kind: "p",
      text: `您好！${r.campaignTitle}有材料已过截止时间。截至${formatCampaignTime(r.now, r.timeZone)}，贵校以下材料仍未报送${stillToFix(r.items)}：`,
    },
    { kind: "list", items: r.items.map((i) => itemLine(i, r.timeZone)) },
    { kind: "p", text: `请尽快补报至 ${r.submitTo}。如有特殊情况，请及时与${r.organizer}联系说明。` },
    { kind: "note", text: "如您已经发送，邮件可能仍在处理中，请以稍后收到的回执为准，并忽略本提醒。感谢您的配合！" },
    { kind: "p", text: signature(r.organizer, r.campaignTitle) },
  ];
  return { subject, text: renderText(blocks), html: renderHtml(subject, blocks) };
}
