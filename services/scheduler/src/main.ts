/** The scheduler as its own process: `pnpm exec tsx services/scheduler/src/main.ts`. */
import { runService } from "@baosong/runtime";
import { startScheduler } from "./scheduler.ts";

await runService("scheduler", ({ rt, queues }) =>
  startScheduler({ db: rt.database.db, blobs: rt.blobs, queues, logger: rt.logger, redisUrl: rt.settings.REDIS_URL, prefix: rt.settings.BAOSONG_QUEUE_PREFIX }),
);
