export * as schema from "./schema/index.ts";
export * from "./schema/index.ts";
export * from "./client.ts";
export * from "./migrate.ts";
export * from "./repositories/campaigns.repository.ts";
export * from "./repositories/filings.repository.ts";
export * from "./repositories/outbox.repository.ts";
export * from "./repositories/receipts.repository.ts";
export * from "./repositories/forms.repository.ts";
