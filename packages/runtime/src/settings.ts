import { existsSync } from "node:fs";
import { z } from "zod";

/**
 * The process environment, parsed once (fail fast). `.env` in the working directory is
 * read first when present; real environment variables win over it.
 */
/** `NAME=` in .env means "not set", as a clerk who blanks a line expects, not "an empty value". */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === "" ? undefined : v), schema.optional());

const settingsSchema = z.object({
  DATABASE_URL: optional(z.string().url()),
  REDIS_URL: z.string().default("redis://127.0.0.1:6379"),
  BAOSONG_BLOB_DIR: z.string().default(".baosong/blobs"),
  /** Where the embedded PGlite keeps its data when DATABASE_URL is not set. */
  BAOSONG_PGLITE_DIR: z.string().default(".baosong/pgdata"),
  /** The port the embedded PGlite listens on (127.0.0.1); 0 picks a free one. */
  BAOSONG_PGLITE_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /** Campaign files applied by `start` before the services run (comma-separated). */
  BAOSONG_CAMPAIGNS: optional(z.string()),
  BAOSONG_ROLES: z.string().default("poller,worker,sender,scheduler,web"),
  BAOSONG_QUEUE_PREFIX: z.string().default("baosong"),
  /** The console (`web` role): one port for pages, downloads, /healthz and /metrics. */
  BAOSONG_WEB_HOST: z.string().default("127.0.0.1"),
  BAOSONG_WEB_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** "true" or "false" forces the cookies' Secure flag; unset: Secure on TLS requests only. */
  BAOSONG_WEB_SECURE_COOKIES: optional(z.enum(["true", "false"])),
  /** "true" behind a TLS-terminating reverse proxy: trust its X-Forwarded-Proto/For. */
  BAOSONG_WEB_TRUST_PROXY: z.enum(["true", "false"]).default("false"),
  /** Lets Prometheus read /metrics with `Authorization: Bearer …` instead of an admin session. */
  BAOSONG_METRICS_TOKEN: optional(z.string().min(16)),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type Settings = z.infer<typeof settingsSchema>;

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  if (env === process.env && existsSync(".env")) process.loadEnvFile(".env");
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`invalid environment:\n${lines.join("\n")}`);
  }
  return parsed.data;
}

export const roles = ["poller", "worker", "sender", "scheduler", "web"] as const;
export type Role = (typeof roles)[number];

export function parseRoles(list: string): Role[] {
  const wanted = list
    .split(",")
    .map((r) => r.trim())
    .filter(Boolean);
  const unknown = wanted.filter((r) => !(roles as readonly string[]).includes(r));
  if (unknown.length) throw new Error(`unknown role(s): ${unknown.join(", ")}; known: ${roles.join(", ")}`);
  return wanted as Role[];
}
