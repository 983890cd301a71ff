import { and, eq, notInArray, sql } from "drizzle-orm";
import { campaignSchema, zonedToInstant, type Campaign, type RosterEntry } from "@baosong/core";
import { plainQuery, type Database, type Executor } from "../client.ts";
import { campaigns, mailboxes, requirements, schools } from "../schema/campaigns.ts";

export interface AppliedCampaign {
  id: number;
  slug: string;
  schools: number;
  requirements: number;
  mailboxes: number;
}

/**
 * Loads a validated campaign, its roster, requirements and mailboxes. Re-applying updates
 * in place: rows keep their ids (filed mail stays attached), and what left the YAML is
 * marked inactive rather than deleted. Mailbox IMAP state survives a re-apply.
 */
export async function applyCampaign(db: Database, campaign: Campaign, sourceFile: string | null): Promise<AppliedCampaign> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(campaigns)
      .values({ slug: campaign.slug, title: campaign.title, timezone: campaign.timezone, config: campaign, sourceFile })
      .onConflictDoUpdate({
        target: campaigns.slug,
        set: { title: campaign.title, timezone: campaign.timezone, config: campaign, sourceFile, appliedAt: new Date() },
      })
      .returning({ id: campaigns.id });
    const campaignId = row!.id;

    for (const s of campaign.schools) {
      const values = {
        aliases: s.aliases,
        category: s.category ?? null,
        senders: s.senders.map((a) => a.toLowerCase()),
        qq: s.qq,
        mailboxKey: s.mailbox ?? null,
        active: true,
      };
      await tx
        .insert(schools)
        .values({ campaignId, name: s.name, ...values })
        .onConflictDoUpdate({ target: [schools.campaignId, schools.name], set: values });
    }
    await deactivateMissing(
      tx,
      schools,
      campaignId,
      schools.name,
      campaign.schools.map((s) => s.name),
    );

    for (const r of campaign.requirements) {
      const values = {
        kind: r.kind,
        title: r.title,
        dueAt: r.due ? zonedToInstant(r.due, campaign.timezone) : null,
        daily: r.daily ?? null,
        reminders: r.reminders,
        rules: r.rules,
        active: true,
      };
      await tx
        .insert(requirements)
        .values({ campaignId, key: r.id, ...values })
        .onConflictDoUpdate({ target: [requirements.campaignId, requirements.key], set: values });
    }
    await deactivateMissing(
      tx,
      requirements,
      campaignId,
      requirements.key,
      campaign.requirements.map((r) => r.id),
    );

    for (const m of campaign.mailboxes) {
      await tx
        .insert(mailboxes)
        .values({ campaignId, key: m.id, address: m.address, folder: m.folder })
        .onConflictDoUpdate({ target: [mailboxes.campaignId, mailboxes.key], set: { address: m.address, folder: m.folder } });
    }

    return {
      id: campaignId,
      slug: campaign.slug,
      schools: campaign.schools.length,
      requirements: campaign.requirements.length,
      mailboxes: campaign.mailboxes.length,
    };
  });
}

async function deactivateMissing(
  tx: Executor,
  table: typeof schools | typeof requirements,
  campaignId: number,
  column: typeof schools.name | typeof requirements.key,
  keep: string[],
): Promise<void> {
  const filter = keep.length ? and(eq(table.campaignId, campaignId), notInArray(column, keep)) : eq(table.campaignId, campaignId);
  await tx.update(table).set({ active: false }).where(filter);
}

export interface CampaignContext {
  id: number;
  campaign: Campaign;
  roster: RosterEntry[];
  /** The campaign's mailbox keys (`mailboxes[].id` in the YAML) by mailbox row id. */
  mailboxKeys: Map<number, string>;
}

/**
 * Contexts already read, per database handle and campaign id, with the row version (`xmin`)
 * they were read at. Every apply updates the campaign row in the transaction that changes
 * config, roster and mailboxes, so an unchanged version means an unchanged context: a job
 * then costs one small query instead of three and a zod validation of the whole config.
 */
const contexts = new WeakMap<Executor, Map<number, { version: string; context: CampaignContext }>>();
const MAX_CACHED_CONTEXTS = 64;

/** The campaign as the services read it: the stored config, re-validated, and the roster with ids. Treat it as read-only. */
export async function loadCampaignContext(db: Executor, campaignId: number): Promise<CampaignContext> {
  // Plain SQL: once per mail, where the query builder cost more CPU than the statement.
  const { rows } = await plainQuery(db, "select xmin::text as version from campaigns where id = $1", [campaignId]);
  return campaignContextAt(db, campaignId, (rows[0]?.version as string | undefined) ?? null);
}

/**
 * The same context, for a caller that already read the campaign row's version (`xmin`) in a
 * statement of its own (the sender's claim): no query at all while that version is cached.
 * A null version means the campaign row is gone.
 */
export async function campaignContextAt(db: Executor, campaignId: number, version: string | null): Promise<CampaignContext> {
  if (version === null) throw new Error(`campaign ${campaignId} does not exist`);
  let known = contexts.get(db);
  if (!known) contexts.set(db, (known = new Map()));
  const cached = known.get(campaignId);
  if (cached && cached.version === version) return cached.context;
  const read = await readCampaignContext(db, campaignId);
  if (known.size >= MAX_CACHED_CONTEXTS) known.clear();
  known.set(campaignId, read);
  return read.context;
}

/** Kept under the version it was read at, which may be newer than the one asked for. */
async function readCampaignContext(db: Executor, campaignId: number): Promise<{ version: string; context: CampaignContext }> {
  const [row] = await db
    .select({ id: campaigns.id, config: campaigns.config, version: sql<string>`xmin::text` })
    .from(campaigns)
    .where(eq(campaigns.id, campaignId));
  if (!row) throw new Error(`campaign ${campaignId} does not exist`);
  const campaign = campaignSchema.parse(row.config);
  const roster = await db
    .select({ id: schools.id, name: schools.name, aliases: schools.aliases, senders: schools.senders, qq: schools.qq })
    .from(schools)
    .where(and(eq(schools.campaignId, campaignId), eq(schools.active, true)));
  const boxes = await db.select({ id: mailboxes.id, key: mailboxes.key }).from(mailboxes).where(eq(mailboxes.campaignId, campaignId));
  return { version: row.version, context: { id: row.id, campaign, roster, mailboxKeys: new Map(boxes.map((b) => [b.id, b.key])) } };
}

export async function listCampaigns(db: Executor): Promise<{ id: number; slug: string; campaign: Campaign }[]> {
  const rows = await db.select().from(campaigns);
  return rows.map((r) => ({ id: r.id, slug: r.slug, campaign: campaignSchema.parse(r.config) }));
}
