import { and, desc, eq, gt, lt } from "drizzle-orm";
import type { Executor } from "../client.ts";
import { campaigns } from "../schema/campaigns.ts";
import { auditLog, consoleSessions, consoleUsers, type ConsoleUser } from "../schema/console.ts";

export type ConsoleRole = "official" | "clerk" | "admin";

export interface NewConsoleUser {
  username: string;
  displayName?: string | null;
  role: ConsoleRole;
  passwordHash: string;
}

/** `baosong user add`: a second add of the same name changes its role and password. */
export async function saveConsoleUser(db: Executor, u: NewConsoleUser): Promise<{ id: number; created: boolean }> {
  const [existing] = await db.select({ id: consoleUsers.id }).from(consoleUsers).where(eq(consoleUsers.username, u.username));
  if (existing) {
    await db
      .update(consoleUsers)
      .set({ role: u.role, passwordHash: u.passwordHash, displayName: u.displayName ?? null, disabledAt: null })
      .where(eq(consoleUsers.id, existing.id));
    // A new password ends every session opened with the old one.
    await db.delete(consoleSessions).where(eq(consoleSessions.userId, existing.id));
    return { id: existing.id, created: false };
  }
  const [row] = await db
    .insert(consoleUsers)
    .values({ ...u, displayName: u.displayName ?? null })
    .returning({ id: consoleUsers.id });
  return { id: row!.id, created: true };
}

export async function findConsoleUser(db: Executor, username: string): Promise<ConsoleUser | null> {
  const [row] = await db.select().from(consoleUsers).where(eq(consoleUsers.username, username));
  return row ?? null;
}

export interface ConsoleSession {
  user: Pick<ConsoleUser, "id" | "username" | "displayName" | "role">;
  csrfToken: string;
  expiresAt: Date;
}

export async function createConsoleSession(db: Executor, s: { tokenHash: string; userId: number; csrfToken: string; expiresAt: Date }): Promise<void> {
  await db.insert(consoleSessions).values(s);
}

/** The live session of a cookie's token hash; null when unknown, expired or its user disabled. */
export async function findConsoleSession(db: Executor, tokenHash: string, now: Date): Promise<ConsoleSession | null> {
  const [row] = await db
    .select({
      id: consoleUsers.id,
      username: consoleUsers.username,
      displayName: consoleUsers.displayName,
      role: consoleUsers.role,
      disabledAt: consoleUsers.disabledAt,
      csrfToken: consoleSessions.csrfToken,
      expiresAt: consoleSessions.expiresAt,
    })
    .from(consoleSessions)
    .innerJoin(consoleUsers, eq(consoleUsers.id, consoleSessions.userId))
    .where(and(eq(consoleSessions.tokenHash, tokenHash), gt(consoleSessions.expiresAt, now)));
  if (!row || row.disabledAt) return null;
  return { user: { id: row.id, username: row.username, displayName: row.displayName, role: row.role }, csrfToken: row.csrfToken, expiresAt: row.expiresAt };
}

export async function deleteConsoleSession(db: Executor, tokenHash: string, now: Date): Promise<void> {
  await db.delete(consoleSessions).where(eq(consoleSessions.tokenHash, tokenHash));
  await db.delete(consoleSessions).where(lt(consoleSessions.expiresAt, now));
}

export interface AuditRecord {
  campaignId: number | null;
  actor: string;
  action: string;
  target: string | null;
  before: unknown;
  after: unknown;
}

export async function recordAudit(db: Executor, e: AuditRecord): Promise<void> {
  await db.insert(auditLog).values({ ...e, before: e.before ?? null, after: e.after ?? null });
}

export interface AuditRow extends AuditRecord {
  id: number;
  at: Date;
}

export async function listAudit(db: Executor, campaignSlug: string, limit = 100): Promise<AuditRow[]> {
  return db
    .select({
      id: auditLog.id,
      campaignId: auditLog.campaignId,
      actor: auditLog.actor,
      action: auditLog.action,
      target: auditLog.target,
      before: auditLog.before,
      after: auditLog.after,
      at: auditLog.at,
    })
    .from(auditLog)
    .innerJoin(campaigns, eq(campaigns.id, auditLog.campaignId))
    .where(eq(campaigns.slug, campaignSlug))
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(limit);
}
