export * from "./campaign-file.ts";
