import { describe, expect, it } from "vitest";
import { planOutgoing, type PlannedOverdue } from "../schedule/outgoing-plan.ts";
import { anfu, bj, rongchang, rongchangStatuses, yimin } from "../../test/rongchang-fixture.ts";
import { composeOverdueNotice, overdueInput } from "./overdue.ts";

const campaign = rongchang();
const statuses = rongchangStatuses();

function planned(now: Date, lastRun: Date, key: string): PlannedOverdue {
  const mail = planOutgoing(campaign, statuses, now, lastRun).find((m) => m.dedupeKey === key);
  if (mail?.kind !== "overdue") throw new Error(`no overdue notice planned as ${key}`);
  return mail;
}

describe("composeOverdueNotice", () => {
  it("tells a school that a deadline has passed and asks it to send the items late", () => {
    const now = bj("2022-05-21 18:30");
    const plan = planned(now, bj("2022-05-21 18:15"), `overdue:rongchang-2022:${yimin}:stats-form+summary-report+law-summary`);
    const m = composeOverdueNotice(overdueInput(campaign, plan, now));
    expect(m.subject).toBe("【逾期提醒】“2022年职业教育活动周情况统计表（附件2）”等3项材料已过截止时间，尚未收到贵校报送");
    expect(m.text).toContain("有材料已过截止时间。截至2022年5月21日 18:30，贵校以下材料仍未报送：");
    expect(m.text).toContain("· 职业教育活动周工作总结报告：截止时间 2022年5月21日 18:00；尚未收到");
    expect(m.text).toContain("请尽快补报至 112812581@qq.com。如有特殊情况，请及时与重庆市荣昌区教育委员会联系说明。");
  });

  it("names the day of a missed daily item", () => {
    const now = bj("2022-05-18 20:30");
    const plan = planned(now, bj("2022-05-18 20:15"), `overdue:rongchang-2022:${anfu}:daily-report@2022-05-18`);
    const m = composeOverdueNotice(overdueInput(campaign, plan, now));
    expect(m.subject).toBe("【逾期提醒】“活动周每日信息（典型案例、稿件、照片、视频）（5月18日）”已过截止时间，尚未收到贵校报送");
  });

  it("says the material still needs fixing when everything overdue was flawed", () => {
    const m = composeOverdueNotice({
      campaignTitle: "活动周",
      organizer: "教委",
      timeZone: "Asia/Shanghai",
      schoolName: "某校",
      submitTo: "a@example.cn",
      now: bj("2022-05-21 18:30"),
      items: [{ title: "情况统计表", dueAt: bj("2022-05-21 18:00"), status: "invalid" }],
    });
    expect(m.subject).toBe("【逾期提醒】“情况统计表”已过截止时间，贵校报送的材料仍需修改");
    expect(m.text).toContain("已收到，但存在需要修改的问题，请按回执中的说明修改后重新发送");
  });
});
