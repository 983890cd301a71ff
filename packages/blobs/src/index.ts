export * from "./blob-store.ts";
export * from "./local-blob-store.ts";
