#!/usr/bin/env node
/**
 * `baosong`: the admin's command. Only the catalogue is loaded up front; a command's own
 * modules (database, queues, mail) load when it runs, so `--help` and `--version` are instant.
 */
import { commands, findCommand, UsageError, type Command, type CommandContext } from "./catalogue.ts";
import { version } from "./version.ts";
import { holdYoungGeneration } from "./young-generation.ts";

const write = (line: string) => process.stdout.write(`${line}\n`);

function overview(): string {
  const rows = commands.map((c) => `  ${c.usage}\n      ${c.summary.zh}\n      ${c.summary.en}`);
  return [
    `baosong ${version} — 报送：把公共邮箱变成报送系统 / a public mailbox as a submission system`,
    "",
    "用法 / usage: baosong <命令 command> [参数 arguments]",
    "",
    ...rows,
    "",
    "  help COMMAND, COMMAND --help\n      该命令的说明 / help on one command",
    "  --version\n      版本 / version",
    "",
    "配置来自环境变量或当前目录的 .env（见 README）/ settings come from the environment or ./.env (see README).",
  ].join("\n");
}

function commandHelp(c: Command): string {
  return [
    `用法 / usage: baosong ${c.usage}`,
    "",
    `  ${c.summary.zh}`,
    ...(c.details?.zh ?? []).map((l) => `  ${l}`),
    "",
    `  ${c.summary.en}`,
    ...(c.details?.en ?? []).map((l) => `  ${l}`),
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [first] = argv;
  if (first === "--version" || first === "-v" || first === "version") {
    write(`baosong ${version} (node ${process.version})`);
    return 0;
  }
  if (!first || first === "--help" || first === "-h" || first === "help") {
    const named = first === "help" ? findCommand(argv.slice(1)) : null;
    write(named ? commandHelp(named.command) : overview());
    return first ? 0 : 2;
  }
  const found = findCommand(argv);
  if (!found) {
    process.stderr.write(`baosong: 没有这个命令 / unknown command: ${argv.join(" ")}\n\n${overview()}\n`);
    return 2;
  }
  const { command, args } = found;
  if (args.includes("--help") || args.includes("-h")) {
    write(commandHelp(command));
    return 0;
  }
  // `start` holds V8's young generation while it loads, migrates and applies campaigns, and
  // lets go once running (startRoles): start-up's garbage would otherwise leave an idle
  // process ~25 MB larger. Before the runtime's modules load, which is most of that garbage.
  const release = command.name[0] === "start" ? holdYoungGeneration() : undefined;
  const { loadSettings, openRuntime } = await import("@baosong/runtime");
  const settings = loadSettings();
  const ctx: CommandContext = {
    args,
    settings,
    out: write,
    startedUp: release ?? (() => undefined),
    async withRuntime(run) {
      const rt = await openRuntime(settings);
      if (rt.embedded) {
        process.stderr.write(`（未设置 DATABASE_URL：使用内置数据库 PGlite ${rt.embedded.url}，数据目录 ${rt.embedded.dataDir}）\n`);
      }
      try {
        return await run(rt);
      } finally {
        await rt.close();
      }
    },
  };
  try {
    return await command.run(ctx);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`baosong: ${err.message}\n\n${commandHelp(command)}\n`);
    return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`baosong: ${err.message}\n`);
    process.exit(1);
  },
);
