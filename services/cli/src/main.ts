import { openRuntime } from "@baosong/runtime";
import { loadSettings, parseRoles } from "@baosong/runtime";
import { campaignApplyCommand } from "./commands/campaign-apply.ts";
import { doctorCommand } from "./commands/doctor.ts";
import { migrateCommand } from "./commands/migrate.ts";

const usage = `baosong — 报送: a public mailbox as a submission system

usage: pnpm baosong <command>
  migrate                      apply database migrations (safe to repeat)
  campaign apply FILE [FILE…]  validate campaign YAML files and load them
  assign MESSAGE-ID SCHOOL [--campaign SLUG]
                               file a mail (and its forms) under the school an admin names
  doctor                       check Postgres, Redis, IMAP and SMTP logins
  digest --preview [--campaign SLUG] [--day YYYY-MM-DD] [--final] [--out DIR]
                               write the officials' digest (HTML, text, .xlsx) to files; sends nothing
  start [ROLE…]                run poller, worker and sender (default: all; BAOSONG_ROLES)
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (!command || command === "help" || command === "--help") {
    out(usage);
    return command ? 0 : 2;
  }
  const settings = loadSettings();
  switch (command) {
    case "migrate":
      return withRuntime(settings, false, (rt) => migrateCommand(rt));
    case "campaign":
      if (rest[0] !== "apply") break;
      return withRuntime(settings, false, (rt) => campaignApplyCommand(rt, rest.slice(1), out));
    case "digest": {
      const flags = parseFlags(rest);
      if (!flags.has("preview")) break;
      const { digestPreviewCommand } = await import("./commands/digest-preview.ts");
      const options = { campaign: flags.get("campaign"), day: flags.get("day"), final: flags.has("final"), outDir: flags.get("out") ?? ".baosong/preview" };
      return withRuntime(settings, false, (rt) => digestPreviewCommand(rt, options, new Date(), out));
    }
    case "assign": {
      const { assignCommand } = await import("./commands/assign.ts");
      return withRuntime(settings, false, (rt) => assignCommand(rt, rest, out));
    }
    case "doctor":
      return withRuntime(settings, false, (rt) => doctorCommand(rt, process.env, out));
    case "start": {
      const roles = parseRoles(rest.length ? rest.join(",") : settings.BAOSONG_ROLES);
      // Loaded only here: the admin commands need none of the services' dependencies.
      const { startRoles } = await import("./commands/start.ts");
      // Listen before starting: a SIGTERM during start-up must still stop cleanly.
      const stopRequested = new Promise<string>((resolve) => {
        process.once("SIGTERM", () => resolve("SIGTERM"));
        process.once("SIGINT", () => resolve("SIGINT"));
      });
      const rt = await openRuntime(settings, { allowEmbedded: true });
      const running = await startRoles(rt, roles, process.env);
      rt.logger.info({ msg: "shutting down", signal: await stopRequested });
      await running.stop();
      await rt.close();
      return 0;
    }
  }
  out(usage);
  return 2;
}

/** `--name value` and bare `--flag` (value "true"). */
function parseFlags(args: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const name = /^--([a-z-]+)$/.exec(args[i]!)?.[1];
    if (!name) throw new Error(`unexpected argument: ${args[i]}`);
    const next = args[i + 1];
    if (next !== undefined && !next.startsWith("--")) {
      flags.set(name, next);
      i++;
    } else flags.set(name, "true");
  }
  return flags;
}

async function withRuntime(
  settings: ReturnType<typeof loadSettings>,
  allowEmbedded: boolean,
  run: (rt: Awaited<ReturnType<typeof openRuntime>>) => Promise<number>,
): Promise<number> {
  const rt = await openRuntime(settings, { allowEmbedded });
  try {
    return await run(rt);
  } finally {
    await rt.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`baosong: ${err.message}\n`);
    process.exit(1);
  },
);
