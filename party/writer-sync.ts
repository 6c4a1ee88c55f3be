import { loadWriters, saveWriters } from "@collab/db";
import type { RoomDatabase } from "./database.ts";
import type { Logger } from "@collab/protocol";
import type { ClientIdRecords } from "./client-id-records.ts";
import type { ClientIds } from "./client-ids.ts";

/** Stretches (when each writer wrote) reach Postgres at most this often while people are connected. */
export const STRETCHES_EVERY_MS = 60_000;

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
  /** When the records' stretches were last taken for Postgres. */
  #stretchesWritten = 0;

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

  /**
   * Writes what Postgres lacks (one write at a time; a failure keeps the records for the next): every new
   * client id, and the stretches records gained when `all` or at most once per STRETCHES_EVERY_MS. While
   * people type, each of them starts a new stretch every few seconds, and each snapshot rewriting every
   * writer's row doubled the database work of a room.
   */
  flush(docId: string, records: ClientIdRecords, all: boolean, now = Date.now()): void {
    if (this.#writing) return;
    const stretches = all || now - this.#stretchesWritten >= STRETCHES_EVERY_MS;
    const taken = records.takeUnsaved({ stretches });
    if (stretches) this.#stretchesWritten = now;
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
