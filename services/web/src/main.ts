/** The console as its own process: `pnpm exec tsx services/web/src/main.ts`. */
import { runService } from "@baosong/runtime";
import { startWeb } from "./server.ts";

await runService("web", async ({ rt }) => {
  const s = rt.settings;
  return startWeb({
    db: rt.database.db,
    blobs: rt.blobs,
    logger: rt.logger,
    redisUrl: s.REDIS_URL,
    prefix: s.BAOSONG_QUEUE_PREFIX,
    host: s.BAOSONG_WEB_HOST,
    port: s.BAOSONG_WEB_PORT,
    settings: {
      secureCookies: s.BAOSONG_WEB_SECURE_COOKIES === undefined ? undefined : s.BAOSONG_WEB_SECURE_COOKIES === "true",
      trustProxy: s.BAOSONG_WEB_TRUST_PROXY === "true",
      metricsToken: s.BAOSONG_METRICS_TOKEN,
    },
  });
});
