/** The sender as its own process: `pnpm exec tsx services/sender/src/main.ts`. */
import { resolve } from "node:path";
import { connectDatabase } from "@baosong/db";
import { LocalBlobStore } from "@baosong/blobs";
import { createLogger } from "@baosong/log";
import { startSender } from "./sender.ts";

const env = process.env;
if (!env.DATABASE_URL) {
  process.stderr.write("sender: DATABASE_URL is not set\n");
  process.exit(1);
}
const logger = createLogger({ name: "baosong-sender", level: env.LOG_LEVEL ?? "info" });
const database = connectDatabase(env.DATABASE_URL, { applicationName: "baosong-sender" });
const handle = await startSender({
  db: database.db,
  redisUrl: env.REDIS_URL ?? "redis://127.0.0.1:6379",
  prefix: env.BAOSONG_QUEUE_PREFIX ?? "baosong",
  blobs: new LocalBlobStore(resolve(env.BAOSONG_BLOB_DIR ?? ".baosong/blobs")),
  logger,
  // SMTP passwords (授权码) are read by the names the campaigns give.
  env,
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, async () => {
    logger.info({ msg: "shutting down", signal });
    await handle.stop();
    await database.close();
    process.exit(0);
  });
}
