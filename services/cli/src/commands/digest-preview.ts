import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { campaignDay, schoolStatuses } from "@baosong/core";
import { listCampaigns, listFiledItems } from "@baosong/db";
import type { Runtime } from "@baosong/runtime";
import { composeDigestMail } from "@baosong/svc-scheduler";

export interface DigestPreviewOptions {
  campaign?: string;
  /** The campaign day to report on (YYYY-MM-DD); today in campaign time by default. */
  day?: string;
  final: boolean;
  outDir: string;
}

/**
 * `baosong digest --preview`: the digest as the officials would get it right now — subject,
 * HTML, plain text and the .xlsx 汇总表 — written to files, nothing sent or queued.
 */
export async function digestPreviewCommand(rt: Runtime, o: DigestPreviewOptions, now: Date, out: (line: string) => void): Promise<number> {
  const campaigns = (await listCampaigns(rt.database.db)).filter((c) => !o.campaign || c.slug === o.campaign);
  if (!campaigns.length) {
    out(o.campaign ? `没有活动 ${o.campaign}。` : "数据库中还没有活动。请先运行 pnpm baosong campaign apply FILE");
    return 1;
  }
  for (const { id, slug, campaign } of campaigns) {
    const day = o.day ?? campaignDay(now, campaign.timezone);
    const statuses = schoolStatuses(campaign, await listFiledItems(rt.database.db, id));
    const digest = await composeDigestMail(
      rt.database.db,
      { campaign, campaignId: id, statuses, now },
      {
        kind: "digest",
        dedupeKey: `preview:${slug}:${day}`,
        campaign: slug,
        at: now,
        to: { kind: "officials" },
        day,
        final: o.final,
      },
    );
    const dir = resolve(o.outDir, slug);
    await mkdir(dir, { recursive: true });
    const base = `digest-${day}`;
    await writeFile(join(dir, `${base}.html`), digest.mail.html);
    await writeFile(join(dir, `${base}.txt`), `${digest.mail.subject}\n\n${digest.mail.text}`);
    await writeFile(join(dir, digest.filename), digest.workbook);
    out(`✓ ${slug}: ${digest.mail.subject}`);
    out(`  ${join(dir, `${base}.html`)}`);
    out(`  ${join(dir, `${base}.txt`)}`);
    out(`  ${join(dir, digest.filename)}`);
  }
  return 0;
}
