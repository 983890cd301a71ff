export * from "./poller.ts";
