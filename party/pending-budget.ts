import * as Y from "yjs";

/**
 * Bytes a document holds as Yjs "pending" state: structs whose clocks leave a gap (they wait for the
 * updates they follow) and deletions of items not yet seen. Yjs keeps them in memory, includes them in
 * `encodeStateAsUpdate`, but never emits them as an update, so they are neither stored nor counted by the
 * document's stored size.
 */
export function pendingBytes(doc: Y.Doc): number {
  return (doc.store.pendingStructs?.update.byteLength ?? 0) + (doc.store.pendingDs?.byteLength ?? 0);
}

/** Drops the document's pending state (after every connection that contributed to it was closed). */
export function clearPending(doc: Y.Doc): void {
  doc.store.pendingStructs = null;
  doc.store.pendingDs = null;
}

/**
 * `Y.encodeStateAsUpdate` without the pending structs and deletions: what storage and Postgres keep, and
 * what the room sends a peer that syncs. Pending state waits for updates that may never come, and it may be
 * another connection's (a hostile one's): stored, it would outlive that connection; sent to a joiner, the
 * joiner would hold structs under ids it does not own and be closed for writing them back (4423).
 */
export function encodeStateWithoutPending(doc: Y.Doc, stateVector?: Uint8Array): Uint8Array {
  const { pendingStructs, pendingDs } = doc.store;
  if (!pendingStructs && !pendingDs) return Y.encodeStateAsUpdate(doc, stateVector);
  clearPending(doc);
  try {
    return Y.encodeStateAsUpdate(doc, stateVector);
  } finally {
    doc.store.pendingStructs = pendingStructs;
    doc.store.pendingDs = pendingDs;
  }
}

export interface PendingBudgetOptions {
  /** Pending bytes one connection may add before it is closed. */
  maxBytes: number;
  /** How long a connection's pending state may wait for the updates it depends on. */
  maxAgeMs: number;
  now?: () => number;
}

/**
 * Who left the document's pending state, and since when. Pending state is one blob per document, so it
 * cannot be taken apart by connection; instead each connection is charged what its frames added (the room
 * compares the pending size before and after handing a frame to y-partykit, which applies it synchronously).
 * All charges end when the pending state empties (the missing updates arrived). A connection past its size or
 * age budget makes the room close every contributor and drop the pending state: an honest client then
 * reconnects, and its sync sends the updates its pending ones were waiting for.
 *
 * @example
 * const before = pendingBytes(doc); deliver(frame); 
 * if (budget.record(key, before, pendingBytes(doc))) closeContributorsAndClear();
 */
export class PendingBudget<K> {
  readonly #options: PendingBudgetOptions;
  readonly #charges = new Map<K, { bytes: number; since: number }>();

  constructor(options: PendingBudgetOptions) {
    this.#options = options;
  }

  /** Records one frame of `key`; true when `key` is now past its size budget. */
  record(key: K, before: number, after: number): boolean {
    if (after === 0) {
      this.#charges.clear();
      return false;
    }
    if (after <= before) return false;
    const charge = this.#charges.get(key) ?? { bytes: 0, since: this.#now() };
    charge.bytes += after - before;
    this.#charges.set(key, charge);
    return charge.bytes > this.#options.maxBytes;
  }

  /** True when some contributor's pending state is older than the age budget. */
  overdue(): boolean {
    const cutoff = this.#now() - this.#options.maxAgeMs;
    for (const { since } of this.#charges.values()) if (since <= cutoff) return true;
    return false;
  }

  /** Everyone whose frames added to the pending state, connected or not. */
  contributors(): K[] {
    return [...this.#charges.keys()];
  }

  get size(): number {
    return this.#charges.size;
  }

  clear(): void {
    this.#charges.clear();
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }
}
