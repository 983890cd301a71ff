export { openRuntime, type Runtime } from "./runtime.ts";
export { loadSettings, parseRoles, type Role, type Settings } from "./settings.ts";
export { startRoles, type Running } from "./commands/start.ts";
