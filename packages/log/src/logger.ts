import pino, { type Logger, type LoggerOptions } from "pino";

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
  const logger = settings.destination ? pino(options, settings.destination) : pino(options);
  return logger;
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
