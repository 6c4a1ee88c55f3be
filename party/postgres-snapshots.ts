import { loadSnapshot, saveSnapshot, type Snapshot } from "@collab/db";
import type { RoomDatabase } from "./database.ts";
import * as Y from "yjs";

/** What a room writes to Postgres: the state, its vector (the overwrite guard), the text and language. */
export interface SnapshotToSave {
  state: Uint8Array;
  stateVector: Record<string, number>;
  text: string;
  language: string;
}

/** The outcome of a guarded save: written, refused because Postgres holds more, or no such document. */
export type SaveOutcome = { kind: "saved" } | { kind: "behind"; snapshot: Snapshot } | { kind: "missing" };

/** A room's reads and guarded writes of its document's Postgres snapshot. */
export class PostgresSnapshots {
  readonly #database: RoomDatabase;

  constructor(database: RoomDatabase) {
    this.#database = database;
  }

  read(docId: string): Promise<Snapshot | undefined> {
    return this.#database.run((db) => loadSnapshot(db, docId));
  }

  /**
   * Writes the snapshot unless Postgres holds something it lacks; then returns what Postgres holds, for
   * the room to merge before it saves again.
   */
  save(docId: string, snapshot: SnapshotToSave): Promise<SaveOutcome> {
    return this.#database.run(async (db): Promise<SaveOutcome> => {
      if (await saveSnapshot(db, { docId, ...snapshot })) return { kind: "saved" };
      const stored = await loadSnapshot(db, docId);
      return stored ? { kind: "behind", snapshot: stored } : { kind: "missing" };
    });
  }
}

/** `{ clientId: clock }` of a document, as the snapshot guard stores it. */
export function stateVectorOf(doc: Y.Doc): Record<string, number> {
  return Object.fromEntries([...Y.decodeStateVector(Y.encodeStateVector(doc))].map(([client, clock]) => [String(client), clock]));
}
