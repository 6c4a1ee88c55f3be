import { eq, sql } from "drizzle-orm";
import type { Database } from "./client.ts";
import { documentSnapshots, documents } from "./schema.ts";

export interface Snapshot {
  state: Uint8Array;
  text: string;
  language: string;
  updatedAt: Date;
}

/** What a room saves. `language` is read from the saved state's meta map (the row keeps a derived copy). */
export interface SnapshotInput {
  docId: string;
  state: Uint8Array;
  text: string;
  language: string;
  /**
   * The Yjs state vector of `state`, `{ clientId: clock }`. When given, the save only replaces a stored
   * snapshot whose vector this one dominates (every clock at least as high); without it (tools, tests of
   * old callers) the save is unconditional.
   */
  stateVector?: Record<string, number>;
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
 * that was deleted while it was open. With a state vector, only a snapshot that is not older than the stored
 * one is written: a room restarted from less than Postgres holds never overwrites it. Returns false when
 * nothing was written (no such document, or the stored snapshot holds something this one lacks: the
 * caller merges it with {@link loadSnapshot} and saves again). One round trip.
 */
export async function saveSnapshot(db: Database, input: SnapshotInput): Promise<boolean> {
  const { docId, state, language } = input;
  // A Postgres text column cannot hold U+0000, which an editor can type; the Yjs state (bytea) keeps the
  // true content, and the plain-text copy shows U+FFFD in its place instead of failing every save.
  const text = input.text.replaceAll("\u0000", "\uFFFD");
  const vector = input.stateVector ? JSON.stringify(input.stateVector) : null;
  // All writes in one statement, without a transaction (the WebSocket pool would need an extra round trip
  // for one): the snapshot is written only if the document exists and the guard passes, and the document's
  // language only if the snapshot was. The language's source of truth is the Y.Doc's meta map (editors
  // change it live; versions and restores carry it); documents.language is derived from the state being
  // written, here and nowhere else, so that listings need not decode Yjs state and never disagree with it
  // for longer than a snapshot interval.
  const result = await db.execute(sql`
    with doc as (
      select id from ${documents} where id = ${docId}
    ), snap as (
      insert into ${documentSnapshots} (document_id, state, text, text_length, state_vector, updated_at)
      select id, ${state}, ${text}, ${[...text].length}, ${vector}::jsonb, now() from doc
      on conflict (document_id) do update
        set state = excluded.state, text = excluded.text, text_length = excluded.text_length,
            state_vector = excluded.state_vector, updated_at = now()
        where excluded.state_vector is null
          or ${documentSnapshots.stateVector} is null
          or not exists (
            select 1 from jsonb_each_text(${documentSnapshots.stateVector}) as stored(client, clock)
            where coalesce((excluded.state_vector ->> stored.client)::bigint, -1) < stored.clock::bigint
          )
      returning document_id
    )
    update ${documents} set language = ${language}, updated_at = now() where id in (select document_id from snap)
  `);
  return (result.rowCount ?? 0) > 0;
}

/** Round-trip time of a trivial query, in milliseconds. Throws when the database is unreachable. */
export async function pingDatabase(db: Database): Promise<number> {
  const started = Date.now();
  await db.execute(sql`select 1`);
  return Date.now() - started;
}
