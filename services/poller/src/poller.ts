import { Redis } from "ioredis";
import { listPollableMailboxes, type Database, type PollableMailbox } from "@baosong/db";
import type { BlobStore } from "@baosong/blobs";
import { ImapSource, MailboxLock, pollerLockKey, type ImapSourceSettings, type MailboxLockSettings } from "@baosong/mail";
import type { JobQueues } from "@baosong/queue";
import type { Logger } from "@baosong/log";

export interface PollerSettings {
  db: Database;
  blobs: BlobStore;
  queues: Pick<JobQueues, "add">;
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

/** Used when a configured mailbox's password (授权码) is not in the environment. */
export class MissingMailboxPasswordError extends Error {
  readonly code = "ENOPASSWORD";
  constructor(readonly missing: { mailbox: string; env: string }[]) {
    super(`environment variable(s) not set for mailbox passwords: ${missing.map((m) => `${m.env} (${m.mailbox})`).join(", ")}`);
  }
}

/**
 * One poller per configured mailbox. Each waits for its mailbox's Redis lock, so running this
 * in several processes is safe: one polls, the others stand by.
 */
export async function startPollers(s: PollerSettings): Promise<PollersHandle> {
  const logger = s.logger.child({ role: "poller" });
  const prefix = s.prefix ?? "baosong";
  const mailboxes = await listPollableMailboxes(s.db);
  const missing = mailboxes
    .filter((m) => !s.env[m.config.imap.password_env])
    .map((m) => ({ mailbox: `${m.campaignSlug}/${m.key}`, env: m.config.imap.password_env }));
  if (missing.length) throw new MissingMailboxPasswordError(missing);
  if (!mailboxes.length) logger.warn({ msg: "no mailboxes configured: nothing to poll" });

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
