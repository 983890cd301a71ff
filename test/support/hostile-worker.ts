/**
 * The real worker (startWorker: BullMQ, the parser thread) in a process of its own, for the
 * hostile catalogue: a hostile mail that crashed it or ate its memory shows as a dead or
 * swollen child, not as a broken test run. DNS comes from a JSON map of TXT records, so the
 * DKIM/DMARC checks run offline. Started by test/hostile-catalogue.test.ts with fork().
 */
import { readFileSync } from "node:fs";
import { LocalBlobStore } from "@baosong/blobs";
import { connectDatabase } from "@baosong/db";
import { createLogger } from "@baosong/log";
import { JobQueues } from "@baosong/queue";
import { startWorker } from "@baosong/svc-worker";

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const [DATABASE_URL, REDIS_URL, BLOB_DIR, QUEUE_PREFIX, DNS_FILE] = ["DATABASE_URL", "REDIS_URL", "BLOB_DIR", "QUEUE_PREFIX", "DNS_FILE"].map(env) as [
  string,
  string,
  string,
  string,
  string,
];
const txt = JSON.parse(readFileSync(DNS_FILE, "utf8")) as Record<string, string>;
const resolver = async (name: string, rrtype: string): Promise<string[][]> => {
  const record = rrtype === "TXT" ? txt[name.toLowerCase()] : undefined;
  if (record) return [[record]];
  throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: "ENOTFOUND" });
};

const database = connectDatabase(DATABASE_URL, { applicationName: "baosong-hostile-worker" });
const queues = new JobQueues({ redisUrl: REDIS_URL, prefix: QUEUE_PREFIX });
const worker = startWorker({
  db: database.db,
  blobs: new LocalBlobStore(BLOB_DIR),
  queues,
  logger: createLogger({ level: "warn" }),
  redisUrl: REDIS_URL,
  prefix: QUEUE_PREFIX,
  dnsResolver: resolver,
});
process.on("SIGTERM", () => {
  void (async () => {
    await worker.stop();
    await queues.close();
    await database.close();
    process.exit(0);
  })();
});
process.send?.("ready");
