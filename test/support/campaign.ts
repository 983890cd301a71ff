import { campaignSchema, type Campaign, type CampaignInput } from "@baosong/core";
import { applyCampaign, type Database } from "@baosong/db";

/** A small Rongchang-like campaign for tests; override any part. */
export function testCampaign(overrides: Partial<CampaignInput> = {}): Campaign {
  return campaignSchema.parse({
    slug: "test-rongchang",
    title: "2022年荣昌区职业教育活动周",
    organizer: "重庆市荣昌区教育委员会",
    period: { kind: "week", start: "2022-05-15", end: "2022-05-21" },
    mailboxes: [
      {
        id: "main",
        address: "112812581@qq.com",
        imap: { host: "127.0.0.1", port: 143, secure: false, user: "inbox@test.local", password_env: "TEST_IMAP_PASSWORD" },
      },
    ],
    smtp: { host: "127.0.0.1", port: 25, secure: false, user: "112812581@qq.com", password_env: "TEST_SMTP_PASSWORD", from_name: "荣昌区教委职成科" },
    requirements: [
      { id: "info-form", kind: "info_form", title: "信息采集表", due: "2022-05-13 18:00" },
      { id: "stats-form", kind: "stats_form", title: "情况统计表", due: "2022-05-21 18:00" },
    ],
    schools: [
      { name: "重庆市荣昌区职业教育中心", aliases: ["荣昌职教中心"], senders: ["rczj@example.cn"], qq: ["12345678"] },
      { name: "重庆益民技工学校", aliases: ["益民技校"], senders: ["ym@example.cn"] },
    ],
    ...overrides,
  });
}

export async function applyTestCampaign(db: Database, campaign: Campaign = testCampaign()) {
  const applied = await applyCampaign(db, campaign, null);
  const mailboxes = await db.query.mailboxes.findMany({ where: (m, { eq }) => eq(m.campaignId, applied.id) });
  return { ...applied, campaign, mailboxIds: Object.fromEntries(mailboxes.map((m) => [m.key, m.id])) as Record<string, number> };
}
