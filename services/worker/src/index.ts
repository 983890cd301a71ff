export * from "./ingest.ts";
export * from "./worker.ts";
export * from "./reprocess.ts";
