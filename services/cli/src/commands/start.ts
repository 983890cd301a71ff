import { applyCampaign } from "@baosong/db";
import { loadCampaignFile } from "@baosong/config";
import { JobQueues } from "@baosong/queue";
import { openRuntime, prepareDatabase, type Role, type Runtime, type Settings } from "@baosong/runtime";

export interface Running {
  stop(): Promise<void>;
}

/**
 * `baosong start [ROLE…]`: migrate, apply the campaign files named in BAOSONG_CAMPAIGNS, then
 * run the chosen roles (all five by default) in this process until SIGTERM/SIGINT.
 */
export async function startRoles(rt: Runtime, chosen: Role[], env: NodeJS.ProcessEnv): Promise<Running> {
  const { settings, logger } = rt;
  await prepareDatabase(rt);
  for (const file of (settings.BAOSONG_CAMPAIGNS ?? "")
    .split(",")
    .map((f) => f.trim())
    .filter(Boolean)) {
    const applied = await applyCampaign(rt.database.db, loadCampaignFile(file), file);
    logger.info({ msg: "campaign applied", action: "campaign.apply", campaign: applied.slug, file });
  }
  const queues = new JobQueues({ redisUrl: settings.REDIS_URL, prefix: settings.BAOSONG_QUEUE_PREFIX });
  const common = { db: rt.database.db, blobs: rt.blobs, logger, redisUrl: settings.REDIS_URL, prefix: settings.BAOSONG_QUEUE_PREFIX };
  const stops: (() => Promise<void>)[] = [];
  // Started in this order and stopped in reverse: pollers (no new work), the scheduler,
  // workers finish their jobs, then the sender. Each role's modules load only when it is
  // chosen: a process that runs one role (a second worker, a sender) carries only its own.
  if (chosen.includes("sender")) {
    const { startSender } = await import("@baosong/svc-sender");
    stops.push((await startSender({ ...common, env })).stop);
  }
  if (chosen.includes("worker")) {
    const { startWorker } = await import("@baosong/svc-worker");
    stops.push(startWorker({ ...common, queues }).stop);
  }
  if (chosen.includes("scheduler")) {
    const { startScheduler } = await import("@baosong/svc-scheduler");
    stops.push((await startScheduler({ ...common, queues })).stop);
  }
  if (chosen.includes("poller")) {
    const { startPollers } = await import("@baosong/svc-poller");
    stops.push((await startPollers({ ...common, queues, env })).stop);
  }
  if (chosen.includes("web"))
    stops.push(
      (
        await (
          await import("@baosong/svc-web")
        ).startWeb({ ...common, host: settings.BAOSONG_WEB_HOST, port: settings.BAOSONG_WEB_PORT, settings: webSettings(settings) })
      ).stop,
    );
  logger.info({ msg: "baosong running", roles: chosen, embeddedDatabase: rt.embedded !== null, ...(rt.embedded && { database: rt.embedded.url }) });
  return {
    async stop() {
      for (const stop of stops.reverse()) await stop();
      await queues.close();
    },
  };
}

/** The process around `startRoles`: open, run until SIGTERM/SIGINT, stop in order, close. */
export async function runRoles(settings: Settings, roles: Role[], startedUp: () => void = () => undefined): Promise<number> {
  // Listen before starting: a SIGTERM during start-up must still stop cleanly.
  const stopRequested = new Promise<string>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });
  const rt = await openRuntime(settings);
  const running = await startRoles(rt, roles, process.env);
  startedUp();
  rt.logger.info({ msg: "shutting down", signal: await stopRequested });
  await running.stop();
  await rt.close();
  return 0;
}

function webSettings(s: Runtime["settings"]) {
  return {
    secureCookies: s.BAOSONG_WEB_SECURE_COOKIES === undefined ? undefined : s.BAOSONG_WEB_SECURE_COOKIES === "true",
    trustProxy: s.BAOSONG_WEB_TRUST_PROXY === "true",
    metricsToken: s.BAOSONG_METRICS_TOKEN,
  };
}
