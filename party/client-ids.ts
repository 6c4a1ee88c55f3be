/**
 * Who speaks for each Yjs client id in a room: one table for document updates and awareness.
 *
 * Yjs trusts client ids: a struct whose id (client, clock) the room already holds is dropped as a
 * duplicate. So a connection writing under another peer's client id makes the room drop that peer's own
 * edits later, and the peer diverges for good. Likewise an awareness entry under another peer's id
 * replaces that peer's cursor. The room therefore binds a client id to the connection that first used it,
 * and remembers the user after the connection is gone:
 * - the same connection, or another connection of the same USER (a reconnect that beat the old socket's
 *   close, a second tab syncing the first one's offline edits), may use the id;
 * - anyone else may not, while that connection lives and after it left (so an id cannot be taken over
 *   while its owner is offline with unsent edits, and a returning peer gets its cursor back);
 * - an id nobody used yet is free.
 * Remembered owners of ids that never wrote are forgotten oldest first past `maxRemembered`; ids that
 * wrote are also recorded durably (`client-id-records.ts`) and reloaded when the room starts.
 */

export interface Conn {
  /** Unique per socket. */
  key: number;
  /** The user id from the room token. */
  userId: string;
}

export type Claim =
  | { ok: true }
  /** Another user's id. `clock` is the last awareness clock the room accepted for it (-1: none). */
  | { ok: false; reason: "taken"; ownerUserId: string; clock: number }
  | { ok: false; reason: "too-many"; limit: number };

interface Owner {
  key: number | undefined;
  userId: string;
  /** Last awareness clock accepted under this id, so an echo (not newer) can be told from a claim. */
  clock: number;
  wrote: boolean;
}

export class ClientIds {
  readonly #owners = new Map<number, Owner>();
  /** Ids each live connection has used, to cap them. */
  readonly #byConn = new Map<number, Set<number>>();
  readonly #maxPerConnection: number;
  readonly #maxRemembered: number;
  #released = 0;

  constructor(options: { maxPerConnection: number; maxRemembered?: number }) {
    this.#maxPerConnection = options.maxPerConnection;
    this.#maxRemembered = options.maxRemembered ?? 10_000;
  }

  /** Ids recorded durably (the room's earlier writers), loaded when the room starts. */
  restore(clientId: number, userId: string): void {
    if (!this.#owners.has(clientId)) this.#owners.set(clientId, { key: undefined, userId, clock: -1, wrote: true });
  }

  /**
   * Binds `clientId` to `conn` if it may use it. `wrote` marks an id used for document updates; the first
   * such use returns `firstWrite` so the caller records it durably.
   */
  claim(clientId: number, conn: Conn, wrote = false): Claim & { firstWrite?: boolean } {
    const owner = this.#owners.get(clientId);
    if (owner && owner.userId !== conn.userId) return { ok: false, reason: "taken", ownerUserId: owner.userId, clock: owner.clock };
    const ids = this.#idsOf(conn.key);
    if (!ids.has(clientId) && ids.size >= this.#maxPerConnection) return { ok: false, reason: "too-many", limit: this.#maxPerConnection };
    ids.add(clientId);
    if (!owner) {
      this.#owners.set(clientId, { key: conn.key, userId: conn.userId, clock: -1, wrote });
      return { ok: true, firstWrite: wrote };
    }
    if (owner.key !== undefined && owner.key !== conn.key) this.#byConn.get(owner.key)?.delete(clientId);
    owner.key = conn.key;
    const firstWrite = wrote && !owner.wrote;
    owner.wrote ||= wrote;
    return { ok: true, firstWrite };
  }

  /** Notes the awareness clock the room accepted for an id the connection holds. */
  acceptedClock(clientId: number, clock: number): void {
    const owner = this.#owners.get(clientId);
    if (owner && clock > owner.clock) owner.clock = clock;
  }

  /** The user last bound to `clientId`, and whether a live connection holds it. */
  ownerOf(clientId: number): { userId: string; live: boolean; clock: number } | undefined {
    const owner = this.#owners.get(clientId);
    return owner && { userId: owner.userId, live: owner.key !== undefined, clock: owner.clock };
  }

  /** The ids a live connection holds. */
  idsOf(key: number): ReadonlySet<number> {
    return this.#byConn.get(key) ?? new Set();
  }

  /** The connection is gone: its ids stay its user's, but no live connection holds them. */
  release(key: number): void {
    const ids = this.#byConn.get(key);
    this.#byConn.delete(key);
    for (const id of ids ?? []) {
      const owner = this.#owners.get(id);
      if (owner?.key !== key) continue;
      owner.key = undefined;
      if (!owner.wrote) this.#released++;
    }
    this.#forgetOldest();
  }

  get size(): number {
    return this.#owners.size;
  }

  #idsOf(key: number): Set<number> {
    let ids = this.#byConn.get(key);
    if (!ids) this.#byConn.set(key, (ids = new Set()));
    return ids;
  }

  /** Keeps memory bounded: released awareness-only ids are forgotten in the order they were first seen. */
  #forgetOldest(): void {
    if (this.#released <= this.#maxRemembered) return;
    for (const [id, owner] of this.#owners) {
      if (this.#released <= this.#maxRemembered) break;
      if (owner.key !== undefined || owner.wrote) continue;
      this.#owners.delete(id);
      this.#released--;
    }
  }
}
