import type { Logger } from "@collab/protocol";
import type * as Party from "partykit/server";
import type { ClientIds } from "./client-ids.ts";

/** Who first wrote under a Yjs client id in this room (the version history names authors with it). */
export interface ClientIdRecord {
  userId: string;
  /** Milliseconds since the epoch. */
  firstSeen: number;
}

const PREFIX = "client:";

/**
 * The durable half of `client-ids.ts`: `client:<id>` → {@link ClientIdRecord} in room storage, one key per
 * client id that ever wrote, loaded into the table when the room starts. A record is put in the same
 * event-loop turn as the update it describes, so the output gate commits both before any message that
 * depends on the update leaves.
 */
export class ClientIdRecords {
  readonly #storage: Party.Storage;

  readonly #log: Logger;

  constructor(storage: Party.Storage, log: Logger) {
    this.#log = log;
    this.#storage = storage;
  }

  /** Restores every recorded writer into `ids`. */
  async load(ids: ClientIds): Promise<void> {
    for (const [key, record] of await this.#storage.list<ClientIdRecord>({ prefix: PREFIX })) {
      ids.restore(Number(key.slice(PREFIX.length)), record.userId);
    }
  }

  /** Records the first write under `clientId` (not awaited: the output gate holds what depends on it). */
  record(clientId: number, userId: string): void {
    void this.#storage.put<ClientIdRecord>(`${PREFIX}${clientId}`, { userId, firstSeen: Date.now() }).catch((error: unknown) => {
      this.#log.error("client id not recorded", { clientId, error });
    });
  }

  /** Every recorded writer, by Yjs client id. */
  async all(): Promise<Map<number, ClientIdRecord>> {
    const records = new Map<number, ClientIdRecord>();
    for (const [key, record] of await this.#storage.list<ClientIdRecord>({ prefix: PREFIX })) records.set(Number(key.slice(PREFIX.length)), record);
    return records;
  }
}
