import { openRuntime } from "@baosong/runtime";
import { loadSettings, parseRoles } from "@baosong/runtime";
import { campaignApplyCommand } from "./commands/campaign-apply.ts";
import { doctorCommand } from "./commands/doctor.ts";
import { migrateCommand } from "./commands/migrate.ts";

const usage = `baosong — 报送: a public mailbox as a submission system

usage: pnpm baosong <command>
  migrate                      apply database migrations (safe to repeat)
  campaign apply FILE [FILE…]  validate campaign YAML files and load them
  doctor                       check Postgres, Redis, IMAP and SMTP logins
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
