import type { Campaign } from "@baosong/core";
import { listCampaigns, type Database } from "@baosong/db";
import type { BlobStore } from "@baosong/blobs";
import type { Logger } from "@baosong/log";
import type { JobQueues } from "@baosong/queue";

/** What every page handler needs: the adapters, the clock, and the campaign by its slug. */
export interface ConsoleContext {
  db: Database;
  blobs: BlobStore;
  queues: JobQueues;
  logger: Logger;
  now(): Date;
  campaign(slug: string): Promise<{ id: number; slug: string; campaign: Campaign } | null>;
}

export function consoleContext(d: Omit<ConsoleContext, "campaign" | "now"> & { now?: () => Date }): ConsoleContext {
  return {
    ...d,
    now: d.now ?? (() => new Date()),
    async campaign(slug) {
      return (await listCampaigns(d.db)).find((c) => c.slug === slug) ?? null;
    },
  };
}
