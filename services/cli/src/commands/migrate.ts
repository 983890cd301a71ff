import { prepareDatabase, type Runtime } from "@baosong/runtime";

/** `baosong migrate`: create the database when it is missing, then apply every pending migration. */
export async function migrateCommand(rt: Runtime, out: (line: string) => void): Promise<number> {
  await prepareDatabase(rt);
  rt.logger.info({ msg: "database migrated", action: "migrate" });
  out("✓ 数据库结构已是最新。");
  return 0;
}
