export { startScheduler, type SchedulerHandle, type SchedulerSettings } from "./scheduler.ts";
export { runSchedulerOnce, type CampaignRun, type SchedulerDeps } from "./scheduler-run.ts";
export { composeDigestMail, digestWorkbookName, outboxMailsOf, XLSX_TYPE, type CampaignOutgoing, type DigestMail } from "./outgoing-mails.ts";
