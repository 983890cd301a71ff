/** The worker as its own process: `pnpm exec tsx services/worker/src/main.ts`. */
import { runService } from "@baosong/runtime";
import { startWorker } from "./worker.ts";

await runService("worker", async ({ rt, queues }) =>
  startWorker({ db: rt.database.db, blobs: rt.blobs, queues, logger: rt.logger, redisUrl: rt.settings.REDIS_URL, prefix: rt.settings.BAOSONG_QUEUE_PREFIX }),
);
