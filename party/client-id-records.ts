import type { Logger } from "@collab/protocol";
import { STRETCH_MS, type WriterRecord } from "@collab/protocol/line-authors";
import type * as Party from "partykit/server";
import type { ClientIds } from "./client-ids.ts";

/**
 * Who first wrote under a Yjs client id in this room, and when (the version history and authorship use it).
 * The shape is the contract's, because the authorship endpoint hands these to browsers.
 */
export type ClientIdRecord = WriterRecord;

const PREFIX = "client:";
/** Stretches kept per client id; past it, every other old one is dropped (older times get coarser). */
const MAX_STRETCHES = 512;

/**
 * The durable half of `client-ids.ts`: `client:<id>` → {@link ClientIdRecord} in room storage, one key per
 * client id that ever wrote, loaded when the room starts and kept in memory. A record is put in the same
 * event-loop turn as the update it describes, so the output gate commits both before any message that
 * depends on the update leaves. It is rewritten only when a client starts a new stretch of writing (at most
 * once per STRETCH_MS per client), not per keystroke.
 */
export class ClientIdRecords {
  readonly #storage: Party.Storage;
  readonly #log: Logger;
  readonly #records = new Map<number, ClientIdRecord>();
  /**
   * What Postgres lacks (see writer-sync.ts): client ids it may have no record of at all, and ids whose
   * record only gained stretches since Postgres last took it. The first matter for who wrote what after a
   * loss of room storage; the second only make "when" more precise, so they may wait.
   */
  readonly #unsavedNew = new Set<number>();
  readonly #unsavedStretches = new Set<number>();

  constructor(storage: Party.Storage, log: Logger) {
    this.#log = log;
    this.#storage = storage;
  }

  /**
   * Reads every recorded writer, and restores it into `ids`. All count as not in Postgres yet: the room may
   * have stopped before its last copy (one upsert of a few rows at the next snapshot).
   */
  async load(ids: ClientIds): Promise<void> {
    for (const [key, record] of await this.#storage.list<ClientIdRecord>({ prefix: PREFIX })) {
      const clientId = Number(key.slice(PREFIX.length));
      this.#records.set(clientId, record);
      this.#unsavedNew.add(clientId);
      ids.restore(clientId, record.userId);
    }
  }

  /**
   * Records that `userId` wrote structs under `clientId` from clock `from` on, now (not awaited: the output
   * gate holds what depends on it).
   */
  wrote(clientId: number, from: number, userId: string, now = Date.now()): void {
    const known = this.#records.get(clientId);
    const record = known ?? { userId, firstSeen: now, stretches: [] };
    const stretches = (record.stretches ??= []);
    const last = stretches.at(-1);
    if (known && last && now - last[1] < STRETCH_MS) return;
    stretches.push([from, now]);
    if (stretches.length > MAX_STRETCHES) record.stretches = stretches.filter((_, i) => i % 2 === 1 || i >= stretches.length - MAX_STRETCHES / 2);
    this.#records.set(clientId, record);
    if (!known) this.#unsavedNew.add(clientId);
    else if (!this.#unsavedNew.has(clientId)) this.#unsavedStretches.add(clientId);
    this.#put(clientId, record);
  }

  /**
   * The records Postgres lacks, for it: new ones always, those that only gained stretches if `stretches`.
   * Give them back with {@link unsaved} if the write fails.
   */
  takeUnsaved(options: { stretches: boolean }): Map<number, ClientIdRecord> {
    const taken = new Map<number, ClientIdRecord>();
    for (const clientId of this.#unsavedNew) taken.set(clientId, this.#records.get(clientId)!);
    this.#unsavedNew.clear();
    if (options.stretches) {
      for (const clientId of this.#unsavedStretches) taken.set(clientId, this.#records.get(clientId)!);
      this.#unsavedStretches.clear();
    }
    return taken;
  }

  /** Marks records as not in Postgres again (their write failed): they go with the next write. */
  unsaved(clientIds: Iterable<number>): void {
    for (const clientId of clientIds) {
      this.#unsavedStretches.delete(clientId);
      this.#unsavedNew.add(clientId);
    }
  }

  /**
   * Records from elsewhere (the Postgres snapshot, after room storage was lost) for client ids this room has
   * no record of.
   */
  seed(records: Map<number, ClientIdRecord>, ids: ClientIds): void {
    for (const [clientId, record] of records) {
      if (this.#records.has(clientId)) continue;
      this.#records.set(clientId, record);
      ids.restore(clientId, record.userId);
      this.#put(clientId, record);
    }
  }

  /** Every recorded writer, by Yjs client id. */
  all(): Map<number, ClientIdRecord> {
    return new Map(this.#records);
  }

  #put(clientId: number, record: ClientIdRecord): void {
    void this.#storage.put<ClientIdRecord>(`${PREFIX}${clientId}`, record).catch((error: unknown) => {
      this.#log.error("client id not recorded", { clientId, error });
    });
  }
}
