import type { Runtime, Settings } from "@baosong/runtime";

export type Out = (line: string) => void;

/** What a command gets: its arguments, the settings, and a way to open the runtime it needs. */
export interface CommandContext {
  args: string[];
  settings: Settings;
  out: Out;
  /** Opens Postgres (or the embedded PGlite), the blob store and the logger; closed after. */
  withRuntime(run: (rt: Runtime) => Promise<number>): Promise<number>;
  /** A long-running command (`start`) says it is up: start-up's memory holds end here. */
  startedUp(): void;
}

export interface Command {
  /** The words that name it: `["campaign", "apply"]`. */
  name: string[];
  usage: string;
  summary: { zh: string; en: string };
  /** Further lines for `baosong help COMMAND`, each language on its own. */
  details?: { zh: string[]; en: string[] };
  /** Loaded only when the command runs: `--help` and `--version` import none of it. */
  run(ctx: CommandContext): Promise<number>;
}

/** Every command of `baosong`, in the order `--help` lists them. */
export const commands: Command[] = [
  {
    name: ["migrate"],
    usage: "migrate",
    summary: { zh: "创建数据库（如不存在）并执行迁移，可重复运行", en: "create the database if missing and apply migrations (safe to repeat)" },
    async run(ctx) {
      const { migrateCommand } = await import("./commands/migrate.ts");
      return ctx.withRuntime((rt) => migrateCommand(rt, ctx.out));
    },
  },
  {
    name: ["campaign", "apply"],
    usage: "campaign apply FILE [FILE…]",
    summary: { zh: "校验活动 YAML 并载入活动、名册、报送要求和邮箱", en: "validate campaign YAML files and load campaign, roster, requirements, mailboxes" },
    details: {
      zh: ["重复载入同一文件会原地更新；文件有错时指出文件、行、列和字段。"],
      en: ["Re-applying a file updates it in place; a broken file is reported with file, line, column and key."],
    },
    async run(ctx) {
      const { campaignApplyCommand } = await import("./commands/campaign-apply.ts");
      return ctx.withRuntime((rt) => campaignApplyCommand(rt, ctx.args, ctx.out));
    },
  },
  {
    name: ["assign"],
    usage: "assign MESSAGE-ID SCHOOL [--campaign SLUG]",
    summary: { zh: "把一封邮件（及其中的表格和报告）登记到指定学校", en: "file a mail (and its forms and reports) under the school an admin names" },
    details: {
      zh: ["MESSAGE-ID 见 dashboard.messages.message_id；SCHOOL 可用全称或简称。"],
      en: ["MESSAGE-ID is dashboard.messages.message_id; SCHOOL is a roster name or alias."],
    },
    async run(ctx) {
      const { assignCommand } = await import("./commands/assign.ts");
      return ctx.withRuntime((rt) => assignCommand(rt, ctx.args, ctx.out));
    },
  },
  {
    name: ["confirm"],
    usage: "confirm MESSAGE-ID [--campaign SLUG]",
    summary: { zh: "确认一封待确认的邮件属于系统识别出的学校", en: "confirm a mail awaiting confirmation for the school it was attributed to" },
    details: {
      zh: ["非名册地址、凭校名或表格单位识别的邮件为“待确认”（dashboard.messages.status = needs_confirmation），确认前其表格不取代学校名册地址发来的版本。"],
      en: [
        "A mail from an address not on the roster, attributed by a school's name or a form's unit cell, needs confirmation; until then its forms do not replace those from the roster address.",
      ],
    },
    async run(ctx) {
      const { confirmCommand } = await import("./commands/assign.ts");
      return ctx.withRuntime((rt) => confirmCommand(rt, ctx.args, ctx.out));
    },
  },
  {
    name: ["reprocess"],
    usage: "reprocess MESSAGE-ID [--campaign SLUG]",
    summary: {
      zh: "按当前名册和活动设置重新识别一封邮件（可重复执行，不重发回执）",
      en: "re-run a stored mail's understanding with the current roster and campaign (idempotent; no second 回执)",
    },
    details: {
      zh: ["名册或活动设置改动后使用；管理员的手工登记会保留，除非邮件本身已能识别学校。操作记入审计日志。"],
      en: ["For after the roster or campaign changed; an admin's assignment stands unless the mail now names its school itself. Written to the audit log."],
    },
    async run(ctx) {
      const { reprocessCommand } = await import("./commands/reprocess.ts");
      return ctx.withRuntime((rt) => reprocessCommand(rt, ctx.args, ctx.out));
    },
  },
  {
    name: ["user", "add"],
    usage: "user add USERNAME --role official|clerk|admin [--name NAME]",
    summary: { zh: "创建或重置管理后台账号（密码从标准输入读取）", en: "create or reset a console account (password read from stdin)" },
    details: {
      zh: [
        "official 只读；clerk 查看与处理；admin 全部，含运维。重置后该账号原有的登录失效。",
        "例：echo '至少十个字符的密码' | baosong user add zhangsan --role clerk --name 张三",
      ],
      en: [
        "official: read; clerk: read and repair; admin: everything, operations too. A reset ends the account's sessions.",
        "e.g. echo 'a password of 10+ characters' | baosong user add zhangsan --role clerk --name 张三",
      ],
    },
    async run(ctx) {
      const { userAddCommand } = await import("./commands/user-add.ts");
      const { readPasswordFromStdin } = await import("./password-input.ts");
      return ctx.withRuntime((rt) => userAddCommand(rt, ctx.args, ctx.out, readPasswordFromStdin));
    },
  },
  {
    name: ["doctor"],
    usage: "doctor",
    summary: {
      zh: "检查 PostgreSQL、Redis、各邮箱 IMAP 和 SMTP 登录，每项一行",
      en: "check Postgres, Redis, every mailbox's IMAP and the SMTP login, one line each",
    },
    async run(ctx) {
      const { doctorCommand } = await import("./commands/doctor.ts");
      return ctx.withRuntime((rt) => doctorCommand(rt, process.env, ctx.out));
    },
  },
  {
    name: ["digest"],
    usage: "digest --preview [--campaign SLUG] [--day YYYY-MM-DD] [--final] [--out DIR]",
    summary: {
      zh: "把此刻的日报摘要（HTML、文本、.xlsx 汇总表）写到文件，不发送",
      en: "write the officials' digest as it would go out now (HTML, text, .xlsx) to files; sends nothing",
    },
    details: { zh: ["默认写到 .baosong/preview。"], en: ["DIR defaults to .baosong/preview."] },
    async run(ctx) {
      const flags = parseFlags(ctx.args);
      if (!flags.has("preview")) throw new UsageError("digest 需要 --preview / digest needs --preview");
      const { digestPreviewCommand } = await import("./commands/digest-preview.ts");
      const options = { campaign: flags.get("campaign"), day: flags.get("day"), final: flags.has("final"), outDir: flags.get("out") ?? ".baosong/preview" };
      return ctx.withRuntime((rt) => digestPreviewCommand(rt, options, new Date(), ctx.out));
    },
  },
  {
    name: ["start"],
    usage: "start [poller] [worker] [sender] [scheduler] [web]",
    summary: {
      zh: "运行所选角色（默认全部，或 BAOSONG_ROLES），直到 SIGTERM/SIGINT",
      en: "run the chosen roles (default: all, or BAOSONG_ROLES) until SIGTERM/SIGINT",
    },
    details: {
      zh: ["web 为管理后台（BAOSONG_WEB_PORT，默认 8080）。未设置 DATABASE_URL 时使用内置数据库 PGlite，并在日志中给出其地址。"],
      en: ["web is the console (BAOSONG_WEB_PORT, 8080 by default). Without DATABASE_URL it uses the embedded PGlite database and logs its address."],
    },
    async run(ctx) {
      const { parseRoles } = await import("@baosong/runtime");
      const roles = parseRoles(ctx.args.length ? ctx.args.join(",") : ctx.settings.BAOSONG_ROLES);
      const { runRoles } = await import("./commands/start.ts");
      return runRoles(ctx.settings, roles, ctx.startedUp);
    },
  },
];

/** A command line that does not fit the command: usage is printed, exit code 2. */
export class UsageError extends Error {}

/** The command named by the leading words of `argv`, and the arguments after them. */
export function findCommand(argv: string[]): { command: Command; args: string[] } | null {
  const matches = commands.filter((c) => c.name.every((word, i) => argv[i] === word));
  const command = matches.sort((a, b) => b.name.length - a.name.length)[0];
  return command ? { command, args: argv.slice(command.name.length) } : null;
}

/** `--name value` and bare `--flag` (value "true"). */
export function parseFlags(args: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const name = /^--([a-z-]+)$/.exec(args[i]!)?.[1];
    if (!name) throw new UsageError(`意外的参数 / unexpected argument: ${args[i]}`);
    const next = args[i + 1];
    if (next !== undefined && !next.startsWith("--")) {
      flags.set(name, next);
      i++;
    } else flags.set(name, "true");
  }
  return flags;
}
