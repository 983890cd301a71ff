export * from "./campaigns.ts";
export * from "./messages.ts";
export * from "./forms.ts";
