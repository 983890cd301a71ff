export * from "./doc-text.ts";
export * from "./report-reading.ts";
