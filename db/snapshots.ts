import { eq, sql } from "drizzle-orm";
import type { Database } from "./client.ts";
import { documentSnapshots, documents } from "./schema.ts";

export interface Snapshot {
  state: Uint8Array;
  text: string;
  language: string;
  updatedAt: Date;
}

export interface SnapshotInput {
  docId: string;
  state: Uint8Array;
  text: string;
  language: string;
}

/** The latest snapshot of a document, or undefined when it has none (a new document). */
export async function loadSnapshot(db: Database, docId: string): Promise<Snapshot | undefined> {
  const [row] = await db
    .select({
      state: documentSnapshots.state,
      text: documentSnapshots.text,
      language: documents.language,
      updatedAt: documentSnapshots.updatedAt,
    })
    .from(documentSnapshots)
    .innerJoin(documents, eq(documents.id, documentSnapshots.documentId))
    .where(eq(documentSnapshots.documentId, docId));
  return row;
}

/**
 * Writes a document's snapshot. Only documents that exist are written: a room never brings back a document
 * that was deleted while it was open. Returns false when the document does not exist. One round trip.
 */
export async function saveSnapshot(db: Database, input: SnapshotInput): Promise<boolean> {
  const { docId, state, language } = input;
  // A Postgres text column cannot hold U+0000, which an editor can type; the Yjs state (bytea) keeps the
  // true content, and the plain-text copy shows U+FFFD in its place instead of failing every save.
  const text = input.text.replaceAll("\u0000", "\uFFFD");
  // Both writes in one statement: a CTE keeps the document row and its snapshot consistent without a
  // transaction, which the WebSocket pool would otherwise need an extra round trip for.
  const result = await db.execute(sql`
    with doc as (
      update ${documents} set language = ${language}, updated_at = now() where id = ${docId} returning id
    )
    insert into ${documentSnapshots} (document_id, state, text, text_length, updated_at)
    select id, ${state}, ${text}, ${[...text].length}, now() from doc
    on conflict (document_id) do update
      set state = excluded.state, text = excluded.text, text_length = excluded.text_length, updated_at = now()
  `);
  return (result.rowCount ?? 0) > 0;
}

/** Round-trip time of a trivial query, in milliseconds. Throws when the database is unreachable. */
export async function pingDatabase(db: Database): Promise<number> {
  const started = Date.now();
  await db.execute(sql`select 1`);
  return Date.now() - started;
}
