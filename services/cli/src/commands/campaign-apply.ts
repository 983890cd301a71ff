import { applyCampaign } from "@baosong/db";
import { CampaignConfigError, loadCampaignFile } from "@baosong/config";
import { prepareDatabase, type Runtime } from "@baosong/runtime";

/** `baosong campaign apply FILE…`: validate each file, then load campaign, roster and requirements. */
export async function campaignApplyCommand(rt: Runtime, files: string[], out: (line: string) => void): Promise<number> {
  if (!files.length) {
    out("usage: baosong campaign apply FILE [FILE…]");
    return 2;
  }
  await prepareDatabase(rt);
  let failed = 0;
  for (const file of files) {
    try {
      const campaign = loadCampaignFile(file);
      const applied = await applyCampaign(rt.database.db, campaign, file);
      out(`✓ ${file}: 活动 ${applied.slug} 已载入（学校 ${applied.schools} 所，报送要求 ${applied.requirements} 项，邮箱 ${applied.mailboxes} 个）`);
    } catch (err) {
      failed++;
      if (err instanceof CampaignConfigError) out(`✗ ${err.message}`);
      else throw err;
    }
  }
  return failed ? 1 : 0;
}
