import { and, asc, eq, gt, inArray, isNull, sql } from "drizzle-orm";
import type { Database } from "./client.ts";
import { sessions, users } from "./schema.ts";

export type UserRow = typeof users.$inferSelect;

/** Thrown when a username is already taken. (Emails are not unique: see the users table.) */
export class AccountExistsError extends Error {
  override name = "AccountExistsError";
  readonly field = "username";
  constructor() {
    super("That username is already taken");
  }
}

export async function createUser(db: Database, user: typeof users.$inferInsert): Promise<UserRow> {
  try {
    const [row] = await db.insert(users).values(user).returning();
    return row!;
  } catch (error) {
    if (uniqueViolation(error)) throw new AccountExistsError();
    throw error;
  }
}

/** Accounts one email may sign in to at most: the oldest ones, so later sign-ups cannot crowd out the first. */
export const MAX_ACCOUNTS_PER_EMAIL_LOGIN = 3;

/**
 * The accounts a sign-in name may mean: the user with that (lower-cased) username, or else the oldest few
 * with that email. The caller checks the password against each (see the login route).
 */
export async function findUsersByLogin(db: Database, login: string): Promise<UserRow[]> {
  const [byName] = await db.select().from(users).where(eq(users.username, login));
  if (byName) return [byName];
  return db.select().from(users).where(eq(users.email, login)).orderBy(asc(users.createdAt), asc(users.id)).limit(MAX_ACCOUNTS_PER_EMAIL_LOGIN);
}

/** By lower-cased username: the public handle people are invited by. */
export async function findUserByUsername(db: Database, username: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.username, username));
  return row;
}

export async function createSession(db: Database, session: { id: string; userId: string; expiresAt: Date }): Promise<void> {
  await db.insert(sessions).values(session);
}

/** The user of a live session (not revoked, not expired), or undefined. */
export async function findSessionUser(db: Database, sessionId: string): Promise<UserRow | undefined> {
  const [row] = await db
    .select({ user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt), gt(sessions.expiresAt, new Date())));
  return row?.user;
}

/**
 * Of `sessionIds`, those known to have ended (revoked or expired); one query for the lot. An id with no row
 * is not "ended": room tokens are signed, and only the worker (or a tool holding the secret) makes them.
 */
export async function endedSessions(db: Database, sessionIds: readonly string[]): Promise<Set<string>> {
  if (sessionIds.length === 0) return new Set();
  const rows = await db
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(inArray(sessions.id, [...sessionIds]), sql`(${sessions.revokedAt} is not null or ${sessions.expiresAt} <= now())`));
  return new Set(rows.map((row) => row.id));
}

export async function revokeSession(db: Database, sessionId: string): Promise<void> {
  await db.update(sessions).set({ revokedAt: new Date() }).where(eq(sessions.id, sessionId));
}

/** The constraint name of a unique violation (SQLSTATE 23505), or undefined for any other error. */
export function uniqueViolation(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: string; constraint?: string } })?.cause ?? (error as { code?: string; constraint?: string });
  return cause?.code === "23505" ? (cause.constraint ?? "unique") : undefined;
}
