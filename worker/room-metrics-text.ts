import { closeCodeName, RoomCounter, RoomGauge, type StoredRoomMetrics } from "@collab/protocol";
import type { PrometheusText, Sample } from "./prometheus.ts";

const COUNTER_HELP: Record<RoomCounter, string> = {
  messages_received: "Frames received from clients",
  bytes_received: "Bytes of frames received from clients",
  updates_received: "Frames carrying a document update from a writer",
  storage_writes: "Room storage writes (one atomic put per turn with updates, and compactions)",
  snapshot_saves: "Postgres snapshots written",
  failed_saves: "Postgres snapshot attempts that failed (each is retried with backoff)",
  load_failures: "Connections refused because the document could not be loaded (4503)",
  connections_opened: "Connections accepted",
};

const GAUGE_HELP: Record<RoomGauge, string> = {
  connections: "Open sockets",
  snapshot_age_seconds: "Seconds the oldest edit not yet in Postgres has waited (0: Postgres is current)",
  document_bytes: "Bytes of the document in room storage (workerd does not expose a room's memory; the document dominates it)",
};

/**
 * The rooms' metrics as the presence store holds them (protocol/room-metrics.ts), in Prometheus families:
 * `collab_<counter>_total` summed over every room, `collab_room_<counter>_total{room}` per room, closes by
 * code, and the live gauges of rooms whose last report is within its TTL.
 */
export function writeRoomMetrics(text: PrometheusText, stored: StoredRoomMetrics): void {
  const live = stored.rooms.filter((room) => room.gauges);
  text.family("collab_rooms_open", "gauge", "Rooms with a live report (anyone connected, or activity within the report TTL)", [[{}, live.length]]);
  text.family("collab_connections", "gauge", "Open sockets over every room", [[{}, live.reduce((sum, room) => sum + (room.gauges?.connections ?? 0), 0)]]);
  for (const key of Object.values(RoomCounter)) {
    text.family(`collab_${key}_total`, "counter", `${COUNTER_HELP[key]}, all rooms`, [[{}, stored.total[key] ?? 0]]);
    const perRoom = stored.rooms.filter((room) => room.counters[key] !== undefined).map((room): Sample => [{ room: room.docId }, room.counters[key]!]);
    text.family(`collab_room_${key}_total`, "counter", `${COUNTER_HELP[key]}, per room`, perRoom);
  }
  const closes = (counters: Record<string, number>) =>
    Object.entries(counters)
      .filter(([key]) => key.startsWith("closes:"))
      .map(([key, value]) => {
        const code = key.slice("closes:".length);
        return { labels: { code, name: closeCodeName(Number(code)) ?? "unknown" }, value };
      });
  text.family("collab_closes_total", "counter", "Sockets the rooms closed, by close code", closes(stored.total).map(({ labels, value }): Sample => [labels, value]));
  text.family(
    "collab_room_closes_total",
    "counter",
    "Sockets a room closed, by close code",
    stored.rooms.flatMap((room) => closes(room.counters).map(({ labels, value }): Sample => [{ room: room.docId, ...labels }, value])),
  );
  for (const key of Object.values(RoomGauge)) {
    const samples = live.filter((room) => room.gauges![key] !== undefined).map((room): Sample => [{ room: room.docId }, room.gauges![key]!]);
    text.family(`collab_room_${key}`, "gauge", GAUGE_HELP[key], samples);
  }
}
