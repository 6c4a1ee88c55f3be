import type { Role } from "@collab/protocol";
import { and, desc, eq, isNotNull, or, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Database } from "./client.ts";
import { documentMembers, documentSnapshots, documents, users } from "./schema.ts";

export interface DocumentRow {
  id: string;
  title: string;
  language: string;
  role: Role;
  owner: { id: string; username: string; displayName: string };
  length: number;
  createdAt: Date;
  updatedAt: Date;
}

const owner = alias(users, "owner");

/** The columns every document query returns, seen from `userId`. */
function documentColumns(userId: string) {
  return {
    id: documents.id,
    title: documents.title,
    language: documents.language,
    role: sql<Role>`case when ${documents.ownerId} = ${userId} then 'owner' else ${documentMembers.role} end`,
    owner: { id: owner.id, username: owner.username, displayName: owner.displayName },
    length: sql<number>`coalesce(${documentSnapshots.textLength}, 0)`.mapWith(Number),
    createdAt: documents.createdAt,
    updatedAt: documents.updatedAt,
  };
}

function visibleTo(db: Database, userId: string) {
  return db
    .select(documentColumns(userId))
    .from(documents)
    .innerJoin(owner, eq(owner.id, documents.ownerId))
    .leftJoin(documentMembers, and(eq(documentMembers.documentId, documents.id), eq(documentMembers.userId, userId)))
    .leftJoin(documentSnapshots, eq(documentSnapshots.documentId, documents.id));
}

/**
 * A document and the caller's role on it; undefined when it does not exist or the caller has no role
 * (callers answer both with 404, so ids of other people's documents are never confirmed).
 */
export async function findDocumentAccess(db: Database, docId: string, userId: string): Promise<DocumentRow | undefined> {
  const [row] = await visibleTo(db, userId).where(
    and(eq(documents.id, docId), or(eq(documents.ownerId, userId), isNotNull(documentMembers.userId))),
  );
  return row;
}

export interface ListOptions {
  filter: "all" | "owned" | "shared";
  limit: number;
  /** Keyset: the last row of the previous page. */
  after?: { updatedAt: Date; id: string } | undefined;
}

/**
 * `updated_at` at the precision of a JavaScript Date. Postgres keeps microseconds, a cursor made from a Date
 * only milliseconds: keyed on the raw column, a page would skip rows edited in the same millisecond as its
 * last row but a few microseconds earlier.
 */
const updatedAtMs = sql`date_trunc('milliseconds', ${documents.updatedAt})`;

/** The caller's documents, most recently edited first; keyset-paginated on (updated_at in ms, id). */
export async function listDocuments(db: Database, userId: string, options: ListOptions): Promise<DocumentRow[]> {
  const owned = eq(documents.ownerId, userId);
  const shared = isNotNull(documentMembers.userId);
  const conditions: (SQL | undefined)[] = [options.filter === "owned" ? owned : options.filter === "shared" ? shared : or(owned, shared)];
  if (options.after) {
    const { updatedAt, id } = options.after;
    conditions.push(sql`(${updatedAtMs}, ${documents.id}) < (${updatedAt.toISOString()}::timestamptz, ${id})`);
  }
  return visibleTo(db, userId)
    .where(and(...conditions))
    .orderBy(desc(updatedAtMs), desc(documents.id))
    .limit(options.limit);
}

/**
 * Creates a document. `language` is written to the row once, from the same value the caller put into the
 * initial snapshot's Y.Doc: the row's copy starts equal to the source of truth, and every later snapshot
 * re-derives it.
 */
export async function createDocument(
  db: Database,
  doc: { id: string; ownerId: string; title: string; language: string; snapshot?: { state: Uint8Array; text: string } },
): Promise<void> {
  await db.insert(documents).values({ id: doc.id, ownerId: doc.ownerId, title: doc.title, language: doc.language });
  if (doc.snapshot) {
    const { state, text } = doc.snapshot;
    await db.insert(documentSnapshots).values({ documentId: doc.id, state, text, textLength: [...text].length });
  }
}

/**
 * Renames a document. There is no language here on purpose: the language lives in the Y.Doc (meta map),
 * and `documents.language` is a copy that only the snapshot writer keeps (db/snapshots.ts `saveSnapshot`).
 * To change it, tell the room (`set-language`), which saves a snapshot.
 */
export async function updateDocument(db: Database, docId: string, changes: { title: string }): Promise<void> {
  await db.update(documents).set({ title: changes.title, updatedAt: new Date() }).where(eq(documents.id, docId));
}

export async function deleteDocument(db: Database, docId: string): Promise<void> {
  await db.delete(documents).where(eq(documents.id, docId));
}

/** The latest snapshot's text ("" for a document never edited). */
export async function documentText(db: Database, docId: string): Promise<string> {
  const [row] = await db.select({ text: documentSnapshots.text }).from(documentSnapshots).where(eq(documentSnapshots.documentId, docId));
  return row?.text ?? "";
}

/** Ids of every document the user owns or is a member of (for presence: which rooms they may see). */
export async function visibleDocumentIds(db: Database, userId: string, limit = 2_000): Promise<string[]> {
  const rows = await db
    .select({ id: documents.id })
    .from(documents)
    .leftJoin(documentMembers, and(eq(documentMembers.documentId, documents.id), eq(documentMembers.userId, userId)))
    .where(or(eq(documents.ownerId, userId), isNotNull(documentMembers.userId)))
    .orderBy(desc(documents.updatedAt))
    .limit(limit);
  return rows.map((row) => row.id);
}

/** Whether a document exists (admin endpoints: a room is only forced to save a real document). */
export async function documentExists(db: Database, docId: string): Promise<boolean> {
  const [row] = await db.select({ id: documents.id }).from(documents).where(eq(documents.id, docId)).limit(1);
  return row !== undefined;
}
