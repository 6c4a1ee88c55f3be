import type { ActiveUser, RoomMetricsReport, StoredRoomMetrics } from "@collab/protocol";
import { MAX_METRICS_ROOMS, METRICS_ROOM_RETENTION_MS, ttlMillis, type PresenceStore } from "./store.ts";

interface RoomMetrics {
  counters: Record<string, number>;
  gauges: Record<string, number>;
  gaugesExpireAt: number;
  reportedAt: number;
}

/**
 * The store in one process's memory, with the same TTL semantics as Redis: what the lobby party holds.
 * Expired entries are never returned and are dropped when read or by `sweep()`.
 */
export class MemoryPresenceStore implements PresenceStore {
  readonly #rooms = new Map<string, { users: ActiveUser[]; expiresAt: number }>();
  readonly #now: () => number;
  readonly #metrics = new Map<string, RoomMetrics>();
  readonly #total: Record<string, number> = {};

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

  async reportMetrics(docId: string, report: RoomMetricsReport, ttlSeconds: number): Promise<void> {
    const now = this.#now();
    const room = this.#metrics.get(docId) ?? { counters: {}, gauges: {}, gaugesExpireAt: 0, reportedAt: now };
    for (const [key, value] of Object.entries(report.counters)) {
      room.counters[key] = (room.counters[key] ?? 0) + value;
      this.#total[key] = (this.#total[key] ?? 0) + value;
    }
    room.gauges = { ...report.gauges };
    room.gaugesExpireAt = now + ttlMillis(ttlSeconds);
    room.reportedAt = now;
    // Most recent last: the oldest is the first to go when the map is over its bound.
    this.#metrics.delete(docId);
    this.#metrics.set(docId, room);
    if (this.#metrics.size > MAX_METRICS_ROOMS) this.#metrics.delete(this.#metrics.keys().next().value!);
  }

  async metrics(): Promise<StoredRoomMetrics> {
    const now = this.#now();
    const rooms: StoredRoomMetrics["rooms"] = [];
    for (const [docId, room] of this.#metrics) {
      if (room.reportedAt + METRICS_ROOM_RETENTION_MS <= now) {
        this.#metrics.delete(docId);
        continue;
      }
      rooms.push({ docId, counters: { ...room.counters }, gauges: room.gaugesExpireAt > now ? { ...room.gauges } : undefined });
    }
    return { total: { ...this.#total }, rooms: rooms.reverse() };
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
