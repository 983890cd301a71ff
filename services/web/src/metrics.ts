import { Gauge, Registry, collectDefaultMetrics } from "prom-client";
import { messageCounts, outboxCounts, type Database } from "@baosong/db";
import type { JobQueues } from "@baosong/queue";
import { within } from "./health.ts";

export const queueNames = ["ingest", "send", "schedule"] as const;

/**
 * Prometheus metrics, read at scrape time from the dashboard views and the queues, so
 * they count every process's work, not only this one's.
 */
export function consoleMetrics(db: Database, queues: JobQueues): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "baosong_web_" });
  new Gauge({
    name: "baosong_mails",
    help: "Mails received, by campaign and status (filed / unattributed / rejected / failed)",
    labelNames: ["campaign", "status"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await messageCounts(db)) this.set({ campaign: String(r.campaign), status: String(r.status) }, Number(r.n));
    },
  });
  new Gauge({
    name: "baosong_outbox_mails",
    help: "Outgoing mails, by campaign, kind and status (queued / sending / sent / failed / suppressed)",
    labelNames: ["campaign", "kind", "status"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await outboxCounts(db)) this.set({ campaign: String(r.campaign), kind: String(r.kind), status: String(r.status) }, Number(r.n));
    },
  });
  new Gauge({
    name: "baosong_queue_jobs",
    help: "BullMQ jobs by queue and state",
    labelNames: ["queue", "state"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const name of queueNames) {
        const counts = await within(2000, queues.queue(name).getJobCounts("waiting", "active", "delayed", "failed", "completed")).catch(() => ({}));
        for (const [state, n] of Object.entries(counts)) this.set({ queue: name, state }, n);
      }
    },
  });
  return registry;
}
