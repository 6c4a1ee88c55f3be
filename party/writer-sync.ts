import { loadWriters, saveWriters } from "@collab/db";
import type { RoomDatabase } from "./database.ts";
import type { Logger } from "@collab/protocol";
import type { ClientIdRecords } from "./client-id-records.ts";
import type { ClientIds } from "./client-ids.ts";

/**
 * Copies the room's writer records (client-id-records.ts) to Postgres after each saved snapshot, and back
 * when the room loads, so that who wrote what survives the loss of room storage (a reload from Postgres).
 * Best effort on both sides: authorship is never worth refusing an edit or a connection. A failed copy
 * keeps its records for the next snapshot.
 */
export class WriterSync {
  readonly #database: RoomDatabase;
  readonly #log: Logger;
  #writing: Promise<void> | undefined;

  constructor(database: RoomDatabase, log: Logger) {
    this.#database = database;
    this.#log = log;
  }

  /** Fills in records this room lacks from Postgres (after room storage was lost). */
  async seed(docId: string, records: ClientIdRecords, ids: ClientIds): Promise<void> {
    try {
      const stored = await this.#database.run((db) => loadWriters(db, docId));
      records.seed(new Map(stored.map((w) => [w.clientId, { userId: w.userId, firstSeen: w.firstSeen, stretches: w.stretches }])), ids);
    } catch (error) {
      this.#log.warn("writer records not read from Postgres", { error });
    }
  }

  /** Writes the records changed since the last copy (one at a time; a failure keeps them for the next). */
  flush(docId: string, records: ClientIdRecords): void {
    if (this.#writing) return;
    const taken = records.takeUnsaved();
    if (taken.size === 0) return;
    const writers = [...taken].map(([clientId, r]) => ({ clientId, userId: r.userId, firstSeen: r.firstSeen, stretches: r.stretches ?? [] }));
    this.#writing = this.#database.run((db) => saveWriters(db, docId, writers))
      .catch((error: unknown) => {
        records.unsaved(taken.keys());
        this.#log.warn("writer records not copied to Postgres, kept for the next snapshot", { error });
      })
      .finally(() => (this.#writing = undefined));
  }
}
