import { z } from "zod";
import { budgetsSchema } from "./budgets.ts";

/**
 * The campaign contract (SPEC §7). One YAML file per campaign is validated against this
 * schema by @baosong/config; everything else reads the parsed `Campaign`.
 * Secrets are never inline: only the *name* of an environment variable is written here.
 */

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "应为日期，如 2022-05-13 (expected YYYY-MM-DD)");
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "应为时刻，如 18:00 (expected HH:MM)");
const localDateTime = z.string().regex(/^\d{4}-\d{2}-\d{2}[ T]([01]\d|2[0-3]):[0-5]\d$/, "expected 'YYYY-MM-DD HH:MM' in campaign time");
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "expected the NAME of an environment variable (A-Z, 0-9, _), not the secret itself");
/** Offsets before a deadline: 3d, 1d, 12h, 30m. */
const offset = z.string().regex(/^\d+[dhm]$/, "expected an offset like 3d, 12h or 30m");
const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, "expected lowercase letters, digits and '-'");

export const documentKinds = [
  "info_form",
  "stats_form",
  "daily_report",
  "summary_report",
  "law_summary",
  "plan",
  "featured_list",
  "media_photo",
  "media_video",
  "other",
] as const;
export type DocumentKind = (typeof documentKinds)[number];

const noInlineSecret = { password: z.never({ error: "secrets are never inline: use password_env" }).optional() };

const imapSettings = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().positive().default(993),
  secure: z.boolean().default(true),
  user: z.string().min(1),
  password_env: envName,
  ...noInlineSecret,
});

const afterFiling = z.discriminatedUnion("action", [
  z.strictObject({ action: z.literal("flag"), flag: z.string().min(1).default("\\Seen") }),
  z.strictObject({ action: z.literal("move"), folder: z.string().min(1) }),
]);

const mailbox = z.strictObject({
  id: slug,
  address: z.email(),
  /** qq and 163 carry provider quirks (SPEC §9); generic is any IMAP server. */
  provider: z.enum(["qq", "163", "generic"]).default("generic"),
  imap: imapSettings,
  folder: z.string().min(1).default("INBOX"),
  after_filing: afterFiling.default({ action: "flag", flag: "\\Seen" }),
  poll_interval_seconds: z.number().int().min(5).max(3600).default(60),
  /**
   * The authserv-id of the Authentication-Results header this mailbox's own server writes
   * (RFC 8601); headers with any other id were written by someone else and are ignored.
   * Default by provider: qq → mx.qq.com, 163 → mx.163.com; generic → none trusted.
   */
  authserv_ids: z.array(z.string().min(1)).optional(),
});

const smtp = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().positive().default(465),
  secure: z.boolean().default(true),
  user: z.string().min(1),
  password_env: envName,
  from_name: z.string().min(1),
  /** QQ refuses a From that differs from the logged-in user (501). Defaults to `user`. */
  from_address: z.email().optional(),
  /**
   * Mails per minute through this account. QQ and 163 throttle personal mailboxes near the
   * default; a bureau's own relay or an enterprise account accepts far more, and a deadline
   * burst of 1,000 回执 should not wait on a ceiling of ours.
   */
  per_minute: z.number().int().positive().max(60_000).default(20),
  ...noInlineSecret,
});

const acknowledgements = z.strictObject({
  enabled: z.boolean().default(true),
  allow_unknown_senders: z.boolean().default(false),
  max_per_sender_per_hour: z.number().int().positive().default(5),
});

const requirementRules = z.strictObject({
  plan_text_max: z.number().int().positive().optional(),
  featured_text_max: z.number().int().positive().optional(),
  intro_max: z.number().int().positive().optional(),
  max_chars: z.number().int().positive().optional(),
  sections: z.array(z.string().min(1)).optional(),
  min_images: z.number().int().nonnegative().optional(),
  media_levels: z.array(z.string().min(1)).optional(),
  signed_copy: z.boolean().optional(),
});

const requirement = z
  .strictObject({
    id: slug,
    kind: z.enum(documentKinds),
    title: z.string().min(1),
    /** A single deadline, in campaign time. */
    due: localDateTime.optional(),
    /** Or a daily window: one item per campaign day, due each day at `by`. */
    daily: z.strictObject({ from: date, to: date, by: clock, remind_at: clock.optional() }).optional(),
    reminders: z.array(offset).default([]),
    overdue_notice: z.boolean().default(true),
    rules: requirementRules.default({}),
  })
  .refine((r) => Boolean(r.due) !== Boolean(r.daily), {
    error: "a requirement has either `due` or `daily`, not both and not neither",
  });

const school = z.strictObject({
  name: z.string().min(2),
  aliases: z.array(z.string().min(2)).default([]),
  category: z.string().optional(),
  senders: z.array(z.email()).default([]),
  qq: z.array(z.string().regex(/^[1-9]\d{4,10}$/, "QQ号为5–11位数字，且不以0开头")).default([]),
  /** Which mailbox this school reports to, when a campaign has several. */
  mailbox: slug.optional(),
});

const official = z.strictObject({ name: z.string().min(1), email: z.email() });

export const campaignSchema = z
  .strictObject({
    slug,
    title: z.string().min(1),
    organizer: z.string().min(1),
    timezone: z.string().default("Asia/Shanghai"),
    period: z.strictObject({ kind: z.enum(["week", "month"]).default("week"), start: date, end: date }),
    mailboxes: z.array(mailbox).min(1),
    smtp,
    acknowledgements: acknowledgements.default({ enabled: true, allow_unknown_senders: false, max_per_sender_per_hour: 5 }),
    officials: z.array(official).default([]),
    digest: z.strictObject({ at: clock.default("20:00") }).default({ at: "20:00" }),
    /** Where the console is reached (https://…): the digest links to it. */
    web: z.strictObject({ base_url: z.url({ protocol: /^https?$/ }) }).optional(),
    requirements: z.array(requirement).default([]),
    schools: z.array(school).min(1),
    budgets: budgetsSchema.default(budgetsSchema.parse({})),
  })
  .superRefine((c, ctx) => {
    if (!isTimeZone(c.timezone)) {
      ctx.addIssue({ code: "custom", path: ["timezone"], message: `unknown time zone '${c.timezone}'` });
    }
    if (c.period.end < c.period.start) {
      ctx.addIssue({ code: "custom", path: ["period", "end"], message: "the period ends before it starts" });
    }
    const mailboxIds = new Set(c.mailboxes.map((m) => m.id));
    if (mailboxIds.size !== c.mailboxes.length) {
      ctx.addIssue({ code: "custom", path: ["mailboxes"], message: "two mailboxes share an id" });
    }
    const requirementIds = new Set(c.requirements.map((r) => r.id));
    if (requirementIds.size !== c.requirements.length) {
      ctx.addIssue({ code: "custom", path: ["requirements"], message: "two requirements share an id" });
    }
    const seen = new Map<string, string>();
    c.schools.forEach((s, i) => {
      if (s.mailbox && !mailboxIds.has(s.mailbox)) {
        ctx.addIssue({ code: "custom", path: ["schools", i, "mailbox"], message: `no mailbox with id '${s.mailbox}'` });
      }
      for (const address of s.senders.map((a) => a.toLowerCase())) {
        const other = seen.get(address);
        if (other) {
          ctx.addIssue({
            code: "custom",
            path: ["schools", i, "senders"],
            message: `${address} is already the sender address of ${other}`,
          });
        }
        seen.set(address, s.name);
      }
    });
  });

export type Campaign = z.infer<typeof campaignSchema>;
export type CampaignInput = z.input<typeof campaignSchema>;
export type MailboxConfig = Campaign["mailboxes"][number];
export type SmtpConfig = Campaign["smtp"];
export type Requirement = Campaign["requirements"][number];
export type RosterSchool = Campaign["schools"][number];

const knownTimeZones = new Set<string>();

function isTimeZone(tz: string): boolean {
  if (knownTimeZones.has(tz)) return true;
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    knownTimeZones.add(tz);
    return true;
  } catch {
    return false;
  }
}
