import { z } from "zod";

/**
 * What a room reports about itself for `GET /api/metrics` (issue 10). Rooms push a report through the
 * presence channel they already publish to (Redis or the lobby party, see presence/store.ts), and the
 * worker turns the stored totals into the Prometheus text format.
 *
 * - `counters` are increments since the room's previous report. The store adds them up, per room and in
 *   total, so the exported counters only ever grow (a room that restarts does not reset them).
 * - `gauges` are the room's values now; they expire with the report's TTL, like presence entries.
 *
 * Keys are fixed below; closes carry their code (`closes:4429`).
 */
export const RoomCounter = {
  /** Frames received from clients (any kind). */
  messagesReceived: "messages_received",
  /** Bytes of those frames. */
  bytesReceived: "bytes_received",
  /** Frames that carried a document update (sync step 2 or update) from a writer. */
  updatesReceived: "updates_received",
  /** Room storage writes (one atomic put per event-loop turn with updates, plus compactions). */
  storageWrites: "storage_writes",
  /** Postgres snapshots written. */
  snapshotSaves: "snapshot_saves",
  /** Postgres snapshot attempts that failed (each is retried with backoff). */
  failedSaves: "failed_saves",
  /** Connections refused because the document could not be loaded (4503). */
  loadFailures: "load_failures",
  /** Connections accepted. */
  connectionsOpened: "connections_opened",
} as const;
export type RoomCounter = (typeof RoomCounter)[keyof typeof RoomCounter];

export const RoomGauge = {
  /** Open sockets. */
  connections: "connections",
  /** Seconds the room's newest edits have waited for a Postgres snapshot (0 when Postgres is current). */
  snapshotAgeSeconds: "snapshot_age_seconds",
  /**
   * Bytes of the document in room storage. The room's memory is not exposed by workerd (no
   * `process.memoryUsage` or `performance.memory` inside a Durable Object); the document dominates it.
   */
  documentBytes: "document_bytes",
} as const;
export type RoomGauge = (typeof RoomGauge)[keyof typeof RoomGauge];

/** `closes:<code>`: sockets the room closed with that code. */
export const closesCounter = (code: number) => `closes:${code}`;

const COUNTER_KEY = /^(?:[a-z_]{1,32}|closes:[1-4]\d{3})$/;
const GAUGE_KEY = /^[a-z_]{1,32}$/;
const MAX_KEYS = 64;

export const RoomMetricsReport = z.object({
  counters: z.record(z.string().regex(COUNTER_KEY), z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)).refine((value) => Object.keys(value).length <= MAX_KEYS),
  gauges: z.record(z.string().regex(GAUGE_KEY), z.number().finite()).refine((value) => Object.keys(value).length <= MAX_KEYS),
});
export type RoomMetricsReport = z.infer<typeof RoomMetricsReport>;

/** What the presence store holds: every room's summed counters (and the total), and the live gauges. */
export interface StoredRoomMetrics {
  /** Summed counters of every room that reported since the store started, keyed like a report's. */
  total: Record<string, number>;
  rooms: Array<{ docId: string; counters: Record<string, number>; gauges: Record<string, number> | undefined }>;
}
