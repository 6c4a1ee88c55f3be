import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "./client.ts";
import { documentVersions, users } from "./schema.ts";

export type VersionRow = Omit<typeof documentVersions.$inferSelect, "text" | "stateVector">;
export type VersionKindValue = (typeof documentVersions.$inferSelect)["kind"];

/** Every column but the text and vector: what a list shows. */
const summaryColumns = {
  id: documentVersions.id,
  documentId: documentVersions.documentId,
  createdAt: documentVersions.createdAt,
  kind: documentVersions.kind,
  name: documentVersions.name,
  authorIds: documentVersions.authorIds,
  textLength: documentVersions.textLength,
};

export interface NewVersion {
  id: string;
  documentId: string;
  kind: VersionKindValue;
  name: string | null;
  authorIds: string[];
  text: string;
  stateVector: Record<string, number>;
}

export async function insertVersion(db: Database, version: NewVersion): Promise<VersionRow> {
  const [row] = await db
    .insert(documentVersions)
    .values({ ...version, textLength: [...version.text].length })
    .returning(summaryColumns);
  return row!;
}

/** The newest version's state vector, to tell whether anything changed since (undefined: no versions). */
export async function latestVersionVector(db: Database, documentId: string): Promise<Record<string, number> | undefined> {
  const [row] = await db
    .select({ stateVector: documentVersions.stateVector })
    .from(documentVersions)
    .where(eq(documentVersions.documentId, documentId))
    .orderBy(desc(documentVersions.createdAt), desc(documentVersions.id))
    .limit(1);
  return row?.stateVector;
}

/**
 * Newest first; keyset-paginated on (created_at, id). `created_at` is stored in milliseconds (a Date's
 * precision), so a cursor holds the exact key and a page is a backward walk of the
 * (document_id, created_at, id) index from it: no sort, whatever the number of versions.
 */
export function listVersions(db: Database, documentId: string, options: { limit: number; after?: { createdAt: Date; id: string } | undefined }) {
  const conditions = [eq(documentVersions.documentId, documentId)];
  if (options.after) {
    const { createdAt, id } = options.after;
    conditions.push(sql`(${documentVersions.createdAt}, ${documentVersions.id}) < (${createdAt.toISOString()}::timestamptz, ${id})`);
  }
  return db
    .select(summaryColumns)
    .from(documentVersions)
    .where(and(...conditions))
    .orderBy(desc(documentVersions.createdAt), desc(documentVersions.id))
    .limit(options.limit);
}

export async function getVersion(db: Database, documentId: string, versionId: string): Promise<(VersionRow & { text: string }) | undefined> {
  const [row] = await db
    .select({ ...summaryColumns, text: documentVersions.text })
    .from(documentVersions)
    .where(and(eq(documentVersions.documentId, documentId), eq(documentVersions.id, versionId)));
  return row;
}

/** Deletes one version; false when there was none. */
export async function deleteVersion(db: Database, documentId: string, versionId: string): Promise<boolean> {
  const rows = await db
    .delete(documentVersions)
    .where(and(eq(documentVersions.documentId, documentId), eq(documentVersions.id, versionId)))
    .returning({ id: documentVersions.id });
  return rows.length > 0;
}

/** The automatic versions of a document (id and time), for thinning. */
export async function autoVersionTimes(db: Database, documentId: string): Promise<{ id: string; createdAt: Date }[]> {
  return db
    .select({ id: documentVersions.id, createdAt: documentVersions.createdAt })
    .from(documentVersions)
    .where(and(eq(documentVersions.documentId, documentId), eq(documentVersions.kind, "auto")));
}

export async function deleteVersions(db: Database, documentId: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.delete(documentVersions).where(and(eq(documentVersions.documentId, documentId), inArray(documentVersions.id, ids)));
}

/** The users named by some versions' author ids, by id. */
export async function usersById(db: Database, ids: readonly string[]): Promise<Map<string, typeof users.$inferSelect>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await db.select().from(users).where(inArray(users.id, unique));
  return new Map(rows.map((row) => [row.id, row]));
}
