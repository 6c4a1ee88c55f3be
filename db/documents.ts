import { TRASH_RETENTION_DAYS, type Role } from "@collab/protocol";
import { and, asc, desc, eq, isNotNull, isNull, lt, or, sql, type SQL } from "drizzle-orm";
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
  /** Null unless the document is in the trash. */
  deletedAt: Date | null;
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
    deletedAt: documents.deletedAt,
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
    and(eq(documents.id, docId), isNull(documents.deletedAt), or(eq(documents.ownerId, userId), isNotNull(documentMembers.userId))),
  );
  return row;
}

/** A document in `userId`'s trash (only its owner sees it there); undefined otherwise. */
export async function findTrashedDocument(db: Database, docId: string, userId: string, now = new Date()): Promise<DocumentRow | undefined> {
  const [row] = await visibleTo(db, userId).where(and(eq(documents.id, docId), eq(documents.ownerId, userId), inTrash(now)));
  return row;
}

export interface ListOptions {
  filter: "all" | "owned" | "shared" | "trash";
  /** Titles containing this text, ignoring case. */
  q?: string | undefined;
  sort: "recent" | "name";
  limit: number;
  /** Keyset: the sort key and id of the last row of the previous page (see {@link sortKey}). */
  after?: { key: string; id: string } | undefined;
  /** The trash hides documents deleted longer ago than the retention (the purge removes them). */
  now?: Date;
}

const DAY_MS = 86_400_000;

/** Deleted, and not yet past the retention. */
function inTrash(now: Date): SQL {
  return and(isNotNull(documents.deletedAt), sql`${documents.deletedAt} > ${new Date(now.getTime() - TRASH_RETENTION_DAYS * DAY_MS).toISOString()}::timestamptz`)!;
}

/**
 * Times at the precision of a JavaScript Date. Postgres keeps microseconds, a cursor made from a Date
 * only milliseconds: keyed on the raw column, a page would skip rows edited in the same millisecond as its
 * last row but a few microseconds earlier.
 */
const updatedAtMs = sql`date_trunc('milliseconds', ${documents.updatedAt})`;
const deletedAtMs = sql`date_trunc('milliseconds', ${documents.deletedAt})`;
/** Postgres lower-cases, not JavaScript: the cursor carries the database's own key, so pages meet exactly. */
const titleKey = sql<string>`lower(${documents.title})`;

/** The value a page's cursor carries for a row: its time (ISO, ms) for `recent`, its lower-cased title for `name`. */
export function sortKey(row: DocumentRow & { titleKey: string }, options: Pick<ListOptions, "filter" | "sort">): string {
  if (options.sort === "name") return row.titleKey;
  return (options.filter === "trash" ? row.deletedAt! : row.updatedAt).toISOString();
}

/**
 * The caller's documents, most recently edited (trash: deleted) first, or by title; keyset-paginated on
 * (sort key, id). The search is a case-insensitive substring match on the title, passed as a parameter.
 */
export async function listDocuments(db: Database, userId: string, options: ListOptions): Promise<(DocumentRow & { titleKey: string })[]> {
  const owned = eq(documents.ownerId, userId);
  const shared = isNotNull(documentMembers.userId);
  const trash = options.filter === "trash";
  const conditions: (SQL | undefined)[] = trash
    ? [owned, inTrash(options.now ?? new Date())]
    : [isNull(documents.deletedAt), options.filter === "owned" ? owned : options.filter === "shared" ? shared : or(owned, shared)];
  // strpos, not LIKE: the search text is matched literally (no wildcards to escape).
  if (options.q) conditions.push(sql`strpos(lower(${documents.title}), lower(${options.q})) > 0`);
  const time = trash ? deletedAtMs : updatedAtMs;
  if (options.after) {
    const { key, id } = options.after;
    conditions.push(
      options.sort === "name"
        ? sql`(${titleKey}, ${documents.id}) > (${key}, ${id})`
        : sql`(${time}, ${documents.id}) < (${key}::timestamptz, ${id})`,
    );
  }
  return db
    .select({ ...documentColumns(userId), titleKey })
    .from(documents)
    .innerJoin(owner, eq(owner.id, documents.ownerId))
    .leftJoin(documentMembers, and(eq(documentMembers.documentId, documents.id), eq(documentMembers.userId, userId)))
    .leftJoin(documentSnapshots, eq(documentSnapshots.documentId, documents.id))
    .where(and(...conditions))
    .orderBy(...(options.sort === "name" ? [asc(titleKey), asc(documents.id)] : [desc(time), desc(documents.id)]))
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

/** Moves a document to its owner's trash (the row, its text and its versions stay until the purge). */
export async function trashDocument(db: Database, docId: string, now = new Date()): Promise<void> {
  await db.update(documents).set({ deletedAt: now }).where(eq(documents.id, docId));
}

/** Takes a document out of the trash. */
export async function restoreDocument(db: Database, docId: string): Promise<void> {
  await db.update(documents).set({ deletedAt: null }).where(eq(documents.id, docId));
}

/**
 * Deletes for good what has been in a trash longer than the retention (members, snapshots and versions
 * go with the row, by cascade). Returns the purged ids. Meant for a scheduled job; `now` is a parameter so a
 * test can move the clock.
 */
export async function purgeTrash(db: Database, now = new Date()): Promise<string[]> {
  const cutoff = new Date(now.getTime() - TRASH_RETENTION_DAYS * DAY_MS);
  const rows = await db.delete(documents).where(and(isNotNull(documents.deletedAt), lt(documents.deletedAt, cutoff))).returning({ id: documents.id });
  return rows.map((row) => row.id);
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
    .where(and(isNull(documents.deletedAt), or(eq(documents.ownerId, userId), isNotNull(documentMembers.userId))))
    .orderBy(desc(documents.updatedAt))
    .limit(limit);
  return rows.map((row) => row.id);
}

/** Whether a document exists (admin endpoints: a room is only forced to save a real document). */
export async function documentExists(db: Database, docId: string): Promise<boolean> {
  const [row] = await db.select({ id: documents.id }).from(documents).where(eq(documents.id, docId)).limit(1);
  return row !== undefined;
}
