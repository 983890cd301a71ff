import { saveConsoleUser, type ConsoleRole } from "@baosong/db";
import type { Runtime } from "@baosong/runtime";
import { hashPassword } from "@baosong/svc-web";

const roles: Record<ConsoleRole, string> = { official: "领导（只读）", clerk: "经办人（查看与处理）", admin: "管理员（全部，含运维）" };
const MIN_PASSWORD = 10;
const usage = "usage: baosong user add USERNAME --role official|clerk|admin [--name 显示名]   (password read from stdin)";

/**
 * `baosong user add USERNAME --role ROLE [--name NAME]`: creates a console account, or
 * resets the role and password of an existing one (its sessions end). The password is read
 * by `readPassword` (stdin), never taken from the command line where `ps` would show it.
 */
export async function userAddCommand(rt: Runtime, args: string[], out: (line: string) => void, readPassword: () => Promise<string>): Promise<number> {
  const flag = (name: string) => {
    const at = args.indexOf(`--${name}`);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const username = args.find((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--"));
  const role = flag("role") as ConsoleRole | undefined;
  if (!username || !role || !(role in roles)) {
    out(usage);
    return 2;
  }
  if (!/^[\w.@-]{2,64}$/.test(username)) {
    out("✗ 用户名只能包含字母、数字和 . _ @ -，长度 2–64。");
    return 2;
  }
  const password = (await readPassword()).replace(/\r?\n$/, "");
  if ([...password].length < MIN_PASSWORD) {
    out(`✗ 密码至少 ${MIN_PASSWORD} 个字符。`);
    return 2;
  }
  const saved = await saveConsoleUser(rt.database.db, { username, role, displayName: flag("name") ?? null, passwordHash: await hashPassword(password) });
  rt.logger.info({ msg: saved.created ? "console user added" : "console user updated", action: "user.add", username, role });
  out(`✓ ${saved.created ? "已创建" : "已更新"}账号 ${username}：${roles[role]}${saved.created ? "" : "（原有登录已失效）"}。`);
  return 0;
}
