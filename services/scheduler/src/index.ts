export { startScheduler, type SchedulerHandle, type SchedulerSettings } from "./scheduler.ts";
export { runSchedulerOnce, type CampaignRun, type SchedulerDeps } from "./scheduler-run.ts";
export { outboxMailsOf, XLSX_TYPE, type CampaignOutgoing } from "./outgoing-mails.ts";
