/** The poller as its own process: `pnpm exec tsx services/poller/src/main.ts`. */
import { resolve } from "node:path";
import { connectDatabase } from "@baosong/db";
import { LocalBlobStore } from "@baosong/blobs";
import { createLogger } from "@baosong/log";
import { JobQueues } from "@baosong/queue";
import { startPollers } from "./poller.ts";

const env = process.env;
if (!env.DATABASE_URL) {
  process.stderr.write("poller: DATABASE_URL is not set\n");
  process.exit(1);
}
const redisUrl = env.REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = env.BAOSONG_QUEUE_PREFIX ?? "baosong";
const logger = createLogger({ name: "baosong-poller", level: env.LOG_LEVEL ?? "info" });
const database = connectDatabase(env.DATABASE_URL, { applicationName: "baosong-poller" });
const queues = new JobQueues({ redisUrl, prefix });
const handle = await startPollers({
  db: database.db,
  blobs: new LocalBlobStore(resolve(env.BAOSONG_BLOB_DIR ?? ".baosong/blobs")),
  queues,
  logger,
  redisUrl,
  prefix,
  // Mailbox passwords (授权码) are read by the names the campaigns give.
  env,
}).catch(async (err: unknown) => {
  logger.fatal({ msg: "poller could not start", err });
  await queues.close();
  await database.close();
  process.exit(1);
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, async () => {
    logger.info({ msg: "shutting down", signal });
    await handle.stop();
    await queues.close();
    await database.close();
    process.exit(0);
  });
}
