import { loadSnapshot, saveSnapshot, type Snapshot } from "@collab/db";
import { withDatabase } from "./database.ts";
import * as Y from "yjs";
import type { RoomConfig } from "./config.ts";

/** What a room writes to Postgres: the state, its vector (the overwrite guard), the text and language. */
export interface SnapshotToSave {
  state: Uint8Array;
  stateVector: Record<string, number>;
  text: string;
  language: string;
}

/** The outcome of a guarded save: written, refused because Postgres holds more, or no such document. */
export type SaveOutcome = { kind: "saved" } | { kind: "behind"; snapshot: Snapshot } | { kind: "missing" };

/** A room's connection to its document's Postgres snapshot; one short-lived pool per operation. */
export class PostgresSnapshots {
  readonly #config: RoomConfig;

  constructor(config: RoomConfig) {
    this.#config = config;
  }

  read(docId: string): Promise<Snapshot | undefined> {
    return withDatabase(this.#config, (db) => loadSnapshot(db, docId));
  }

  /**
   * Writes the snapshot unless Postgres holds something it lacks; then returns what Postgres holds, for
   * the room to merge before it saves again.
   */
  save(docId: string, snapshot: SnapshotToSave): Promise<SaveOutcome> {
    return withDatabase(this.#config, async (db): Promise<SaveOutcome> => {
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
