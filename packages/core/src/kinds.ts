import type { DocumentKind } from "./campaign.ts";

/** How a kind is named to a school clerk or an official. */
export const kindLabels: Record<DocumentKind, string> = {
  info_form: "信息采集表",
  stats_form: "情况统计表",
  daily_report: "活动稿件/典型案例",
  summary_report: "活动周工作总结报告",
  law_summary: "职业教育法宣传活动情况总结",
  plan: "活动工作方案",
  featured_list: "特色亮点活动一览表",
  media_photo: "活动照片",
  media_video: "活动视频",
  other: "其他文件",
};
