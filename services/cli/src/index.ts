export { openRuntime, loadSettings, parseRoles, type Role, type Runtime, type Settings } from "@baosong/runtime";
export { startRoles, type Running } from "./commands/start.ts";
export { userAddCommand } from "./commands/user-add.ts";
export { readPasswordFromStdin } from "./password-input.ts";
export { reprocessCommand } from "./commands/reprocess.ts";
