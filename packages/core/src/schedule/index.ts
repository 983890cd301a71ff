export { campaignDays, deadlineFor, reminderInstant, requirementDeadlines, type Deadline } from "./requirement-times.ts";
export {
  owedItems,
  SchoolStatusCollector,
  schoolStatuses,
  statusMatrix,
  statusOf,
  stillOwed,
  StatusBook,
  type FiledItem,
  type ItemStatus,
  type MatrixColumn,
  type OwedDeadline,
  type SchoolStatus,
  type StatusMatrix,
  type Submission,
} from "./school-status.ts";
export {
  nextWakeUp,
  planOutgoing,
  type MailRecipient,
  type PlannedDigest,
  type PlannedMail,
  type PlannedOverdue,
  type PlannedReminder,
  type PlanOptions,
} from "./outgoing-plan.ts";
