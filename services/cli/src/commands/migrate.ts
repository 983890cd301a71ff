import { migrateDatabase } from "@baosong/db";
import type { Runtime } from "@baosong/runtime";

export async function migrateCommand(rt: Runtime): Promise<number> {
  await migrateDatabase(rt.database.pool);
  rt.logger.info({ msg: "database migrated", action: "migrate" });
  return 0;
}
