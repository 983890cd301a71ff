import { describe, expect, it } from "vitest";
import { planOutgoing, type PlannedReminder } from "../schedule/outgoing-plan.ts";
import { anfu, bj, rongchang, rongchangStatuses, yimin } from "../../test/rongchang-fixture.ts";
import { composeReminder, reminderInput, type ReminderInput } from "./reminder.ts";

const campaign = rongchang();
const statuses = rongchangStatuses();

function planned(now: Date, lastRun: Date, key: string): PlannedReminder {
  const mail = planOutgoing(campaign, statuses, now, lastRun).find((m) => m.dedupeKey === key);
  if (mail?.kind !== "reminder") throw new Error(`no reminder planned as ${key}`);
  return mail;
}

describe("composeReminder", () => {
  it("tells a school what is due in a day, by when and where to send it", () => {
    const now = bj("2022-05-12 18:05");
    const plan = planned(now, bj("2022-05-12 17:50"), `reminder:rongchang-2022:${yimin}:info-form:1d`);
    const m = composeReminder(reminderInput(campaign, plan, now));
    expect(m.subject).toBe("【提醒】“2022年职业教育活动周信息采集表（附件1）”距截止还有1天");
    expect(m.text).toContain("重庆益民技工学校：");
    expect(m.text).toContain("截至2022年5月12日 18:05，贵校以下材料尚未报送：");
    expect(m.text).toContain("· 2022年职业教育活动周信息采集表（附件1）：截止时间 2022年5月13日 18:00（距截止还有1天）；尚未收到");
    expect(m.text).toContain("请在截止时间前将材料发送至 112812581@qq.com");
    expect(m.text).toContain("如您已经发送，邮件可能仍在处理中");
  });

  it("lists several items of one deadline in one mail and says which one has errors", () => {
    const now = bj("2022-05-20 18:00");
    const plan = planned(now, bj("2022-05-20 17:45"), `reminder:rongchang-2022:${anfu}:stats-form+summary-report+law-summary:1d`);
    const m = composeReminder(reminderInput(campaign, plan, now));
    expect(m.subject).toBe("【提醒】“2022年职业教育活动周情况统计表（附件2）”等2项材料距截止还有1天");
    expect(m.text).toContain("2022年职业教育活动周情况统计表（附件2）：截止时间 2022年5月21日 18:00（距截止还有1天）；已收到，但存在需要修改的问题");
    expect(m.text).toContain("开展职业教育法宣传活动情况总结材料：截止时间 2022年5月21日 18:00（距截止还有1天）；尚未收到");
    expect(m.text).not.toContain("工作总结报告");
  });

  it("counts the time left from when the mail is composed", () => {
    const input: ReminderInput = {
      campaignTitle: "活动周",
      organizer: "教委",
      timeZone: "Asia/Shanghai",
      schoolName: "某校",
      submitTo: "a@example.cn",
      now: bj("2022-05-21 16:10"),
      daily: false,
      items: [{ title: "情况统计表", dueAt: bj("2022-05-21 18:00"), status: "missing" }],
    };
    expect(composeReminder(input).subject).toBe("【提醒】“情况统计表”距截止还有2小时");
    expect(composeReminder({ ...input, now: bj("2022-05-21 17:30") }).subject).toBe("【提醒】“情况统计表”距截止还有30分钟");
  });

  it("reminds a school with no report today, naming the day and the hour", () => {
    const now = bj("2022-05-18 16:00");
    const plan = planned(now, bj("2022-05-18 15:45"), `reminder:rongchang-2022:${anfu}:daily-report@2022-05-18:daily`);
    const m = composeReminder(reminderInput(campaign, plan, now));
    expect(m.subject).toBe("【提醒】今日（5月18日）尚未收到贵校的活动周每日信息（典型案例、稿件、照片、视频），请于20:00前报送");
    expect(m.text).toContain("今天是5月18日。截至2022年5月18日 16:00，我们尚未收到贵校今日报送的活动周每日信息");
    expect(m.text).toContain("请于今日20:00前将当天的材料发送至 112812581@qq.com");
  });

  it("escapes the school name in HTML", () => {
    const m = composeReminder({
      campaignTitle: "活动周",
      organizer: "教委",
      timeZone: "Asia/Shanghai",
      schoolName: '<img src=x onerror="alert(1)">职中',
      submitTo: "a@example.cn",
      now: bj("2022-05-12 18:00"),
      daily: false,
      items: [{ title: "<b>表</b>", dueAt: bj("2022-05-13 18:00"), status: "missing" }],
    });
    expect(m.html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;职中");
    expect(m.html).not.toContain("<img");
    expect(m.html).not.toContain("<b>表</b>");
  });
});
