import { and, eq, gt, isNull, or, sql } from "drizzle-orm";
import type { Database } from "./client.ts";
import { sessions, users } from "./schema.ts";

export type UserRow = typeof users.$inferSelect;

/** Thrown when a username or email is already taken. */
export class AccountExistsError extends Error {
  override name = "AccountExistsError";
  constructor(readonly field: "username" | "email") {
    super(`That ${field} is already taken`);
  }
}

export async function createUser(db: Database, user: typeof users.$inferInsert): Promise<UserRow> {
  try {
    const [row] = await db.insert(users).values(user).returning();
    return row!;
  } catch (error) {
    const constraint = uniqueViolation(error);
    if (constraint) throw new AccountExistsError(constraint.includes("email") ? "email" : "username");
    throw error;
  }
}

/** By lower-cased username or email. */
export async function findUserByLogin(db: Database, login: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(or(eq(users.username, login), eq(users.email, login)));
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
 * Whether a session is known to have ended (revoked or expired). An id with no row is not "ended": room
 * tokens are signed, and only the worker (or a tool holding the secret) makes them.
 */
export async function sessionEnded(db: Database, sessionId: string): Promise<boolean> {
  const [row] = await db
    .select({ ended: sql<boolean>`${sessions.revokedAt} is not null or ${sessions.expiresAt} <= now()` })
    .from(sessions)
    .where(eq(sessions.id, sessionId));
  return row?.ended === true;
}

export async function revokeSession(db: Database, sessionId: string): Promise<void> {
  await db.update(sessions).set({ revokedAt: new Date() }).where(eq(sessions.id, sessionId));
}

/** The constraint name of a unique violation (SQLSTATE 23505), or undefined for any other error. */
export function uniqueViolation(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: string; constraint?: string } })?.cause ?? (error as { code?: string; constraint?: string });
  return cause?.code === "23505" ? (cause.constraint ?? "unique") : undefined;
}
