export * from "./campaigns.ts";
export * from "./messages.ts";
export * from "./forms.ts";
export * from "./scheduler.ts";
export * from "./console.ts";
export * from "./budgets.ts";
