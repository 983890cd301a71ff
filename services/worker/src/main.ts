/** The worker as its own process: `pnpm exec tsx services/worker/src/main.ts`. */
import { resolve } from "node:path";
import { connectDatabase } from "@baosong/db";
import { LocalBlobStore } from "@baosong/blobs";
import { createLogger } from "@baosong/log";
import { JobQueues } from "@baosong/queue";
import { startWorker } from "./worker.ts";

const env = process.env;
if (!env.DATABASE_URL) {
  process.stderr.write("worker: DATABASE_URL is not set\n");
  process.exit(1);
}
const redisUrl = env.REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = env.BAOSONG_QUEUE_PREFIX ?? "baosong";
const logger = createLogger({ name: "baosong-worker", level: env.LOG_LEVEL ?? "info" });
const database = connectDatabase(env.DATABASE_URL, { applicationName: "baosong-worker" });
const queues = new JobQueues({ redisUrl, prefix });
const handle = startWorker({
  db: database.db,
  blobs: new LocalBlobStore(resolve(env.BAOSONG_BLOB_DIR ?? ".baosong/blobs")),
  queues,
  logger,
  redisUrl,
  prefix,
  concurrency: Number(env.BAOSONG_WORKER_CONCURRENCY ?? 2),
});
logger.info({ msg: "worker running" });

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, async () => {
    logger.info({ msg: "shutting down", signal });
    await handle.stop();
    await queues.close();
    await database.close();
    process.exit(0);
  });
}
