export { submitAddress, type NoticeItem, type SchoolNoticeInput } from "./school-notice.ts";
export { composeReminder, reminderInput, type ReminderInput } from "./reminder.ts";
export { composeOverdueNotice, overdueInput, type OverdueInput } from "./overdue.ts";
export {
  coveragePct,
  digestFrame,
  mediaLevelsOf,
  mediaTotalOf,
  statsTotals,
  statusLabel,
  statusLegend,
  type DailyCountRow,
  type DaySubmission,
  type DigestFrame,
  type DigestInfoRow,
  type DigestStatsRow,
  type ExpiringLink,
  type OpenFindingsCount,
  type StatsTotals,
} from "./digest-data.ts";
export { composeDigest, type DigestInput } from "./digest.ts";
