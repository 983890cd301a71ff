export { openRuntime, loadSettings, parseRoles, type Role, type Runtime, type Settings } from "@baosong/runtime";
export { startRoles, type Running } from "./commands/start.ts";
export { userAddCommand, readPasswordFromStdin } from "./commands/user-add.ts";
export { reprocessCommand } from "./commands/reprocess.ts";
