/** The sender as its own process: `pnpm exec tsx services/sender/src/main.ts`. */
import { runService } from "@baosong/runtime";
import { startSender } from "./sender.ts";

await runService("sender", ({ rt }) =>
  // SMTP passwords (授权码) are read by the names the campaigns give.
  startSender({
    db: rt.database.db,
    blobs: rt.blobs,
    logger: rt.logger,
    redisUrl: rt.settings.REDIS_URL,
    prefix: rt.settings.BAOSONG_QUEUE_PREFIX,
    env: process.env,
  }),
);
