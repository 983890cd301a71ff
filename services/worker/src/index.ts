export * from "./ingest.ts";
export * from "./worker.ts";
