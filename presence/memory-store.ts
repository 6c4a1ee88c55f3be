import type { ActiveUser } from "@collab/protocol";
import { ttlMillis, type PresenceStore } from "./store.ts";

/**
 * The store in one process's memory, with the same TTL semantics as Redis: what the lobby party holds.
 * Expired entries are never returned and are dropped when read or by `sweep()`.
 */
export class MemoryPresenceStore implements PresenceStore {
  readonly #rooms = new Map<string, { users: ActiveUser[]; expiresAt: number }>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async publish(docId: string, users: ActiveUser[], ttlSeconds: number): Promise<void> {
    const ttlMs = ttlMillis(ttlSeconds);
    if (users.length === 0) return this.clear(docId);
    this.#rooms.set(docId, { users: structuredClone(users), expiresAt: this.#now() + ttlMs });
  }

  async clear(docId: string): Promise<void> {
    this.#rooms.delete(docId);
  }

  async users(docId: string): Promise<ActiveUser[]> {
    return this.#live(docId) ?? [];
  }

  async active(docIds?: string[]): Promise<Map<string, ActiveUser[]>> {
    const active = new Map<string, ActiveUser[]>();
    for (const docId of docIds ?? [...this.#rooms.keys()]) {
      const users = this.#live(docId);
      if (users) active.set(docId, users);
    }
    return active;
  }

  /** Drops every expired entry; returns when the next one expires (ms timestamp), if any is left. */
  sweep(): number | undefined {
    const now = this.#now();
    let next: number | undefined;
    for (const [docId, room] of this.#rooms) {
      if (room.expiresAt <= now) this.#rooms.delete(docId);
      else next = Math.min(next ?? Infinity, room.expiresAt);
    }
    return next;
  }

  /** Documents held (expired ones included until swept), for the lobby's own checks. */
  get size(): number {
    return this.#rooms.size;
  }

  #live(docId: string): ActiveUser[] | undefined {
    const room = this.#rooms.get(docId);
    if (!room) return undefined;
    if (room.expiresAt > this.#now()) return structuredClone(room.users);
    this.#rooms.delete(docId);
    return undefined;
  }
}
