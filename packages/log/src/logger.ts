import { createRequire } from "node:module";
import pino, { type Logger, type LoggerOptions } from "pino";
import type pretty from "pino-pretty";

export type { Logger };

/**
 * Every path a secret can travel under. pino matches these exactly, so list each shape
 * the adapters log: imapflow/nodemailer option objects, our config, connection URLs.
 */
export const redactPaths = [
  "password",
  "pass",
  "auth.pass",
  "auth.password",
  "auth.accessToken",
  "*.password",
  "*.pass",
  "*.auth.pass",
  "*.auth.password",
  "*.auth.accessToken",
  "*.authorizationCode",
  "authorizationCode",
  "secret",
  "*.secret",
  "headers.authorization",
  "databaseUrl",
  "redisUrl",
];

export interface LoggerSettings {
  level?: string;
  name?: string;
  /** Tests pass a stream to read what was logged. */
  destination?: pino.DestinationStream;
  /**
   * Human-readable lines instead of JSON: by default when stdout is a terminal (an admin
   * running a command), never when it is a pipe or a file (journald, Docker, a collector).
   */
  pretty?: boolean;
}

export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? "info",
    name: settings.name ?? "baosong",
    base: { service: settings.name ?? "baosong" },
    redact: { paths: redactPaths, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: pino.stdSerializers.err },
  };
  if (settings.destination) return pino(options, settings.destination);
  if (settings.pretty ?? process.stdout.isTTY) {
    // Required only for a terminal: services log JSON to a pipe and never load the formatter.
    const prettyStream = createRequire(import.meta.url)("pino-pretty") as typeof pretty;
    return pino(options, prettyStream({ colorize: true, sync: true, translateTime: "SYS:yyyy-mm-dd HH:MM:ss.l", ignore: "pid,hostname,service,name" }));
  }
  return pino(options);
}

/** Masks the password of a connection URL before it is shown or logged. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "[unparseable url]";
  }
}
