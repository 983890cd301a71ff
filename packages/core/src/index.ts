// What Baosong knows, in the order a mail meets it. No I/O, no clock, no env.

// The campaign: its configuration, time, kinds of item, findings and budgets.
export * from "./campaign.ts";
export * from "./campaign-time.ts";
export * from "./kinds.ts";
export * from "./finding.ts";
export * from "./budgets.ts";
export * from "./text.ts";

// Who sent it (SPEC §3).
export * from "./attribution/attribution.ts";
export * from "./attribution/sender-auth.ts";
export * from "./attribution/reply-address.ts";
export * from "./attribution/auto-reply.ts";

// What each file and the body are (SPEC §2), and the forms and reports read from them (§4).
export * from "./files/classification.ts";
export * from "./files/file-understanding.ts";
export * from "./files/activity-day.ts";
export * from "./files/body-article.ts";
export * from "./files/signed-copy.ts";
export * from "./files/large-attachments.ts";
export * from "./files/media-facts.ts";
export * from "./forms/index.ts";
export * from "./reports/index.ts";

// What is filed for a mail, or why it is refused.
export * from "./filing/filing.ts";
export * from "./filing/ingest-failure.ts";

// What goes out: the 回执, reminders, overdue notices, digests, and when.
export * from "./outgoing/acknowledgement.ts";
export * from "./outgoing/ack-policy.ts";
export * from "./outgoing/file-summary.ts";
export * from "./outgoing/index.ts";
export * from "./schedule/index.ts";
