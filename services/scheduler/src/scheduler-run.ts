import { planOutgoing, schoolStatuses, type PlanOptions } from "@baosong/core";
import {
  enqueueOutbox,
  findLastRun,
  listCampaigns,
  listFiledItems,
  listSchoolAddresses,
  loadCampaignContext,
  lockCampaignPlanning,
  saveLastRun,
  type Database,
} from "@baosong/db";
import type { BlobStore } from "@baosong/blobs";
import type { Logger } from "@baosong/log";
import { jobIds, type JobQueues } from "@baosong/queue";
import { outboxMailsOf } from "./outgoing-mails.ts";

export interface SchedulerDeps {
  db: Database;
  blobs: BlobStore;
  queues: JobQueues;
  logger: Logger;
  planOptions?: PlanOptions;
}

export interface CampaignRun {
  campaign: string;
  /** The window planned: (from, to]. Null `from` on the campaign's first run. */
  from: Date | null;
  to: Date;
  /** Dedupe keys of the outbox rows this run added. */
  created: string[];
  /** Planned mails with no address to send to (a school never heard from and without roster senders). */
  unaddressed: string[];
}

/**
 * One scheduler pass over every campaign: plan what fell due in (lastRun, now], put it in the
 * outbox, hand new rows to the sender. Safe to run twice or from two hosts at once: each
 * campaign is planned under an advisory lock in one transaction with its last_run, and the
 * outbox dedupe key drops anything planned before.
 */
export async function runSchedulerOnce(deps: SchedulerDeps, now: Date): Promise<CampaignRun[]> {
  const runs: CampaignRun[] = [];
  const failures: unknown[] = [];
  for (const { id, slug } of await listCampaigns(deps.db)) {
    try {
      const run = await planCampaign(deps, id, now);
      if (run) runs.push(run);
    } catch (err) {
      // One broken campaign must not silence the others; the job fails afterwards and is retried.
      deps.logger.error({ msg: "planning outgoing mail failed", action: "outgoing.plan", campaign: slug, err });
      failures.push(err);
    }
  }
  if (failures.length) throw new AggregateError(failures, `planning failed for ${failures.length} campaign(s)`);
  return runs;
}

async function planCampaign(deps: SchedulerDeps, campaignId: number, now: Date): Promise<CampaignRun | null> {
  const newRows: { id: number; dedupeKey: string }[] = [];
  const run = await deps.db.transaction(async (tx) => {
    await lockCampaignPlanning(tx, campaignId);
    const lastRun = await findLastRun(tx, campaignId);
    // A host whose clock is behind must not move last_run back.
    if (lastRun && now <= lastRun) return null;
    const { campaign, roster } = await loadCampaignContext(tx, campaignId);
    const statuses = schoolStatuses(campaign, await listFiledItems(tx, campaignId));
    // Before the first run nothing was planned: the planner's catch-up rules decide what is still worth sending.
    const planned = planOutgoing(campaign, statuses, now, lastRun ?? new Date(0), deps.planOptions);
    const unaddressed: string[] = [];
    if (planned.length) {
      const outgoing = {
        campaignId,
        campaign,
        statuses,
        schoolIds: new Map(roster.map((s) => [s.name, s.id])),
        addresses: await listSchoolAddresses(tx, campaignId),
        now,
      };
      for (const mail of planned) {
        const rows = await outboxMailsOf(tx, deps.blobs, outgoing, mail);
        if (rows.length === 0) unaddressed.push(mail.dedupeKey);
        for (const row of rows) {
          const queued = await enqueueOutbox(tx, row);
          if (queued.created) newRows.push({ id: queued.id, dedupeKey: row.dedupeKey });
        }
      }
    }
    await saveLastRun(tx, campaignId, now);
    return { campaign: campaign.slug, from: lastRun, to: now, created: newRows.map((r) => r.dedupeKey), unaddressed };
  });
  if (!run) return null;
  // Enqueued after the commit, so the sender never looks for a row it cannot see yet; a job
  // lost here is found by the sender's sweep of queued rows.
  for (const row of newRows) {
    await deps.queues
      .add("mail.send", { outboxId: row.id }, jobIds.send({ outboxId: row.id }))
      .catch((err: unknown) => deps.logger.warn({ msg: "could not enqueue planned mail; the sweep will", action: "mail.send", outbox: row.id, err }));
  }
  if (run.created.length || run.unaddressed.length) {
    deps.logger.info({ msg: "outgoing mail planned", action: "outgoing.plan", campaign: run.campaign, created: run.created, unaddressed: run.unaddressed });
  }
  return run;
}
