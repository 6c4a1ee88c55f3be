import type { ActiveUser, RoomMetricsReport, StoredRoomMetrics } from "@collab/protocol";

/**
 * Who is in which document, across rooms. It holds the REST contract's {@link ActiveUser} (once per user
 * however many tabs), so `GET /api/documents/{id}/users` returns what the store holds as is. Two backends behind it: Redis through Upstash's REST protocol
 * (redis-store.ts) and the lobby party (lobby-store.ts), held to one contract (contract.ts).
 *
 * Entries expire by themselves: a room that crashed or was evicted stops refreshing, and its users vanish
 * within the TTL without anybody calling `clear`.
 *
 * @example
 * await store.publish("my-notes", [{ id: "u1", name: "Ada", color: "#e6194b", connections: 2 }], 30);
 * await store.users("my-notes");          // [{ id: "u1", ... }] for the next 30 s unless refreshed
 * await store.active(["my-notes", "x"]);  // Map { "my-notes" => [...] }; "x" is nobody's
 */
export interface PresenceStore {
  /** The room's current users (replaces the previous set), alive for ttlSeconds unless refreshed. Nobody = `clear`. */
  publish(docId: string, users: ActiveUser[], ttlSeconds: number): Promise<void>;
  /** The room is empty. */
  clear(docId: string): Promise<void>;
  users(docId: string): Promise<ActiveUser[]>;
  /** Documents with anyone present, limited to `docIds` when given (callers pass what the user may see). */
  active(docIds?: string[]): Promise<Map<string, ActiveUser[]>>;
  /**
   * A room's metrics (issue 10), on the same channel as its presence: the counters are increments, added to
   * the room's sums and to the total (so they only grow); the gauges replace the room's, alive for ttlSeconds.
   */
  reportMetrics(docId: string, report: RoomMetricsReport, ttlSeconds: number): Promise<void>;
  /** The summed counters (total and per room) and the live gauges, for `GET /api/metrics`. */
  metrics(): Promise<StoredRoomMetrics>;
}

/**
 * A room's summed counters are kept this long after its last report (then it leaves the per-room series;
 * the total keeps what it added). At most this many rooms are listed by `metrics()`, the latest first.
 */
export const METRICS_ROOM_RETENTION_MS = 24 * 3600_000;
export const MAX_METRICS_ROOMS = 1_000;

/** The backend could not be reached or answered with an error; the worker maps it to 503. */
export class PresenceUnavailableError extends Error {
  override name = "PresenceUnavailableError";
}

/** A TTL in whole milliseconds, checked: a zero, negative or absurd TTL is a programming error. */
export function ttlMillis(ttlSeconds: number): number {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > MAX_TTL_SECONDS) {
    throw new RangeError(`ttlSeconds must be in (0, ${MAX_TTL_SECONDS}], got ${ttlSeconds}`);
  }
  return Math.ceil(ttlSeconds * 1000);
}

/** An hour: presence is refreshed every few seconds, a longer TTL only means longer ghosts. */
export const MAX_TTL_SECONDS = 3600;
