import type { ActiveUser } from "@collab/protocol";

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
}

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
