/** The poller as its own process: `pnpm exec tsx services/poller/src/main.ts`. */
import { runService } from "@baosong/runtime";
import { startPollers } from "./poller.ts";

await runService("poller", ({ rt, queues }) =>
  // Mailbox passwords (授权码) are read by the names the campaigns give.
  startPollers({
    db: rt.database.db,
    blobs: rt.blobs,
    queues,
    logger: rt.logger,
    redisUrl: rt.settings.REDIS_URL,
    prefix: rt.settings.BAOSONG_QUEUE_PREFIX,
    env: process.env,
  }),
);
