export * from "./settings.ts";
export * from "./runtime.ts";
export * from "./run-service.ts";
