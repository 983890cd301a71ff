import { Redis } from "ioredis";
import { listPollableMailboxes, recordMailboxError, type Database, type PollableMailbox } from "@baosong/db";
import type { BlobStore } from "@baosong/blobs";
import { ImapSource, MailboxLock, pollerLockKey, type ImapSourceSettings, type MailboxLockSettings } from "@baosong/mail";
import type { JobQueues } from "@baosong/queue";
import type { Logger } from "@baosong/log";

export interface PollerSettings {
  db: Database;
  blobs: BlobStore;
  queues: Pick<JobQueues, "addBulk">;
  logger: Logger;
  /** Where the per-mailbox locks live (the queues' Redis). */
  redisUrl: string;
  prefix?: string;
  /** Where `imap.password_env` is looked up. */
  env: Record<string, string | undefined>;
  /** Shorter waits for tests; production uses the defaults. */
  tuning?: {
    lock?: Pick<MailboxLockSettings, "ttlMs" | "renewEveryMs" | "retryEveryMs">;
    source?: Pick<ImapSourceSettings, "backoff" | "goodSessionMs" | "idleAfterMs">;
  };
}

export interface PollersHandle {
  mailboxes: PollableMailbox[];
  /** Resolves once every poller logged out and released its lock. */
  stop(): Promise<void>;
}

/**
 * One poller per configured mailbox. Each waits for its mailbox's Redis lock, so running this
 * in several processes is safe: one polls, the others stand by.
 */
export async function startPollers(s: PollerSettings): Promise<PollersHandle> {
  const logger = s.logger.child({ role: "poller" });
  const prefix = s.prefix ?? "baosong";
  const configured = await listPollableMailboxes(s.db);
  if (!configured.length) logger.warn({ msg: "no mailboxes configured: nothing to poll" });
  // A mailbox whose password (授权码) is not in the environment is skipped, not fatal: the
  // others keep running, and the dashboard and `doctor` say what is missing.
  const mailboxes: PollableMailbox[] = [];
  for (const m of configured) {
    const variable = m.config.imap.password_env;
    if (s.env[variable]) {
      mailboxes.push(m);
      continue;
    }
    logger.error({ msg: "mailbox password not set: not polling it", mailbox: `${m.campaignSlug}/${m.key}`, env: variable });
    await recordMailboxError(s.db, m.mailboxId, `环境变量 ${variable} 未设置，未收取此邮箱。请在 .env 中写入授权码后重启。`);
  }

  // Commands fail rather than queue while Redis is away, so a stop never waits on it.
  const redis = new Redis(s.redisUrl, { maxRetriesPerRequest: 1 });
  redis.on("error", (err) => logger.debug({ msg: "poller lock connection error", err }));
  const sources = mailboxes.map((m) =>
    new ImapSource({
      mailboxId: m.mailboxId,
      campaignId: m.campaignId,
      config: m.config,
      password: s.env[m.config.imap.password_env]!,
      db: s.db,
      blobs: s.blobs,
      queues: s.queues,
      logger: s.logger.child({ campaign: m.campaignSlug }),
      lock: new MailboxLock({ redis, key: pollerLockKey(prefix, m.mailboxId), logger, ...s.tuning?.lock }),
      ...s.tuning?.source,
    }).start(),
  );
  logger.info({ msg: "pollers started", mailboxes: mailboxes.map((m) => `${m.campaignSlug}/${m.key}`) });

  return {
    mailboxes,
    async stop() {
      await Promise.all(sources.map((source) => source.stop()));
      redis.disconnect();
    },
  };
}
