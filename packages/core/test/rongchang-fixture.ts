import { campaignSchema, type Campaign, type CampaignInput } from "../src/campaign.ts";
import { zonedToInstant } from "../src/campaign-time.ts";
import type { SchoolStatus } from "../src/schedule/school-status.ts";

/**
 * A test fixture: the Rongchang 2022 campaign (seed 000, examples/rongchang-2022.yaml)
 * trimmed to three schools whose submissions cover every case of the planner.
 */
export const centre = "重庆市荣昌区职业教育中心"; // sends everything on time
export const yimin = "重庆益民技工学校"; // sends nothing
export const anfu = "重庆市荣昌区安富职业中学"; // late, partial and flawed

export function rongchang(overrides: Partial<CampaignInput> = {}): Campaign {
  return campaignSchema.parse({
    slug: "rongchang-2022",
    title: "2022年成渝地区双城经济圈职业教育活动周（荣昌区）",
    organizer: "重庆市荣昌区教育委员会",
    timezone: "Asia/Shanghai",
    period: { kind: "week", start: "2022-05-15", end: "2022-05-21" },
    mailboxes: [
      {
        id: "main",
        address: "112812581@qq.com",
        provider: "qq",
        imap: { host: "imap.qq.com", user: "112812581@qq.com", password_env: "BAOSONG_RONGCHANG_AUTH_CODE" },
      },
    ],
    smtp: { host: "smtp.qq.com", user: "112812581@qq.com", password_env: "BAOSONG_RONGCHANG_AUTH_CODE", from_name: "荣昌区教委职成科" },
    officials: [{ name: "区教委职成科", email: "zck@rongchang.example.gov.cn" }],
    digest: { at: "20:30" },
    requirements: [
      { id: "info-form", kind: "info_form", title: "2022年职业教育活动周信息采集表（附件1）", due: "2022-05-13 18:00", reminders: ["3d", "1d", "2h"] },
      {
        id: "daily-report",
        kind: "daily_report",
        title: "活动周每日信息（典型案例、稿件、照片、视频）",
        daily: { from: "2022-05-15", to: "2022-05-21", by: "20:00", remind_at: "16:00" },
      },
      {
        id: "stats-form",
        kind: "stats_form",
        title: "2022年职业教育活动周情况统计表（附件2）",
        due: "2022-05-21 18:00",
        reminders: ["3d", "1d", "2h"],
        rules: { media_levels: ["市级及以上", "区县级"] },
      },
      { id: "summary-report", kind: "summary_report", title: "职业教育活动周工作总结报告", due: "2022-05-21 18:00", reminders: ["3d", "1d", "2h"] },
      { id: "law-summary", kind: "law_summary", title: "开展职业教育法宣传活动情况总结材料", due: "2022-05-21 18:00", reminders: ["1d"] },
    ],
    schools: [{ name: centre }, { name: yimin }, { name: anfu }],
    ...overrides,
  });
}

/** Campaign time in Beijing. */
export const bj = (local: string) => zonedToInstant(local, "Asia/Shanghai");

const days = ["15", "16", "17", "18", "19", "20", "21"];

export function rongchangStatuses(): SchoolStatus[] {
  const sent = (school: string, deadlineId: string, local: string, valid = true): SchoolStatus => ({
    school,
    deadlineId,
    submissions: [{ receivedAt: bj(local), valid }],
  });
  return [
    sent(centre, "info-form", "2022-05-09 10:00"),
    ...days.map((d) => sent(centre, `daily-report@2022-05-${d}`, `2022-05-${d} 10:00`)),
    sent(centre, "stats-form", "2022-05-17 10:00"),
    sent(centre, "summary-report", "2022-05-17 10:00"),
    sent(centre, "law-summary", "2022-05-17 10:00"),
    // After the 1d reminder (5/12 18:00), before the 2h one.
    sent(anfu, "info-form", "2022-05-12 19:00"),
    sent(anfu, "daily-report@2022-05-15", "2022-05-15 09:00"),
    sent(anfu, "daily-report@2022-05-16", "2022-05-16 09:00"),
    // After the day's 16:00 reminder, before 20:00.
    sent(anfu, "daily-report@2022-05-17", "2022-05-17 17:00"),
    sent(anfu, "stats-form", "2022-05-20 10:00", false),
    sent(anfu, "summary-report", "2022-05-20 10:00"),
  ];
}
