import { eq, sql } from "drizzle-orm";
import type { Database } from "./client.ts";
import { documentWriters } from "./schema.ts";

export interface WriterRecord {
  clientId: number;
  userId: string;
  firstSeen: number;
  stretches: [number, number][];
}

/** Writes (or replaces) a document's writer records; one statement. */
export async function saveWriters(db: Database, documentId: string, writers: readonly WriterRecord[]): Promise<void> {
  if (writers.length === 0) return;
  await db
    .insert(documentWriters)
    .values(writers.map((w) => ({ documentId, clientId: w.clientId, userId: w.userId, firstSeen: new Date(w.firstSeen), stretches: w.stretches })))
    .onConflictDoUpdate({
      target: [documentWriters.documentId, documentWriters.clientId],
      set: { stretches: sql`excluded.stretches` },
    });
}

export async function loadWriters(db: Database, documentId: string): Promise<WriterRecord[]> {
  const rows = await db.select().from(documentWriters).where(eq(documentWriters.documentId, documentId));
  return rows.map((row) => ({ clientId: row.clientId, userId: row.userId, firstSeen: row.firstSeen.getTime(), stretches: row.stretches }));
}
