import { JobQueues } from "@baosong/queue";
import { openRuntime, type Runtime } from "./runtime.ts";
import { loadSettings } from "./settings.ts";

export interface ServiceContext {
  rt: Runtime;
  queues: JobQueues;
}

/**
 * One role as its own process (`pnpm exec tsx services/worker/src/main.ts`): settings from the
 * environment, adapters opened, the role started, and stopped cleanly on SIGTERM/SIGINT.
 */
export async function runService(name: string, start: (ctx: ServiceContext) => Promise<{ stop(): Promise<void> }>): Promise<void> {
  // Listen before starting: a SIGTERM during start-up must still stop cleanly.
  const stopRequested = new Promise<string>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });
  const rt = await openRuntime(loadSettings());
  const log = rt.logger.child({ role: name });
  const queues = new JobQueues({ redisUrl: rt.settings.REDIS_URL, prefix: rt.settings.BAOSONG_QUEUE_PREFIX });
  let handle: { stop(): Promise<void> };
  try {
    handle = await start({ rt, queues });
  } catch (err) {
    log.fatal({ msg: `${name} could not start`, err });
    await queues.close();
    await rt.close();
    process.exit(1);
  }
  log.info({ msg: `${name} running` });
  log.info({ msg: "shutting down", signal: await stopRequested });
  await handle.stop();
  await queues.close();
  await rt.close();
  process.exit(0);
}
