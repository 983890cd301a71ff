export * from "./campaigns.ts";
export * from "./messages.ts";
