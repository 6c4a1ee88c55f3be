import { documentExists } from "@collab/db";
import { AdminCloseRequest, AdminCloseResponse, AdminRoomsResponse, AdminSnapshotResponse, DocId, ErrorCode, RoomGauge, type AdminRoom, type StoredRoomMetrics } from "@collab/protocol";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { requireMetricsToken, requireOperator } from "../auth/operator.ts";
import { ApiError, notFoundError } from "../errors.ts";
import { httpMetrics } from "../http-metrics.ts";
import { CONTENT_TYPE, PrometheusText } from "../prometheus.ts";
import { writeRoomMetrics } from "../room-metrics-text.ts";
import { sendRoomCommand } from "../rooms.ts";
import { errors, json, router } from "./openapi.ts";

const security: Array<Record<string, string[]>> = [{ metricsToken: [] }, { session: [] }];
const params = z.object({ id: DocId });

/**
 * Operations (issue 10): Prometheus metrics, and what an operator needs of the rooms: who is where, a
 * snapshot now, everyone out. Rooms are reached over the worker's internal channel (rooms.ts); what they
 * report comes through the presence store (see README, Operations).
 */
export const operationsRoutes = router()
  .openapi(
    createRoute({
      method: "get", path: "/metrics", tags: ["operations"], middleware: [requireMetricsToken], security: [{ metricsToken: [] }],
      summary: "Metrics in the Prometheus text format (METRICS_TOKEN as a Bearer token)",
      description:
        "This worker isolate's requests by route pattern and status and their latency histogram, and every room's counters and live gauges as the rooms report them through the presence store. 404 while METRICS_TOKEN is unset.",
      responses: { 200: { description: "Prometheus text format 0.0.4", content: { "text/plain": { schema: z.string() } } }, ...errors(401, 404) },
    }),
    async (c) => {
      const text = new PrometheusText();
      httpMetrics.write(text);
      const rooms = await roomMetrics(c.var.config.presence.metrics.bind(c.var.config.presence), (error) => c.var.log.error("metrics: presence store unavailable", { error }));
      text.family("collab_room_metrics_up", "gauge", "1 when the rooms' metrics could be read from the presence store", [[{}, rooms ? 1 : 0]]);
      if (rooms) writeRoomMetrics(text, rooms);
      return c.text(text.toString(), 200, { "content-type": CONTENT_TYPE, "cache-control": "no-store" });
    },
  )
  .openapi(
    createRoute({
      method: "get", path: "/admin/rooms", tags: ["admin"], middleware: [requireOperator], security,
      summary: "Active rooms, with who is in each (admin or metrics token)",
      responses: { 200: json(AdminRoomsResponse, "Rooms with anyone present"), ...errors(401, 403, 503) },
    }),
    async (c) => {
      const { presence } = c.var.config;
      const [active, metrics] = await Promise.all([presence.active(), roomMetrics(() => presence.metrics(), () => {})]);
      const gauges = new Map(metrics?.rooms.map((room) => [room.docId, room.gauges]));
      const rooms = [...active].map(([id, users]): AdminRoom => {
        const live = gauges.get(id);
        return {
          id,
          users,
          connections: live?.[RoomGauge.connections],
          snapshotAgeSeconds: live?.[RoomGauge.snapshotAgeSeconds],
          documentBytes: live?.[RoomGauge.documentBytes],
        };
      });
      return c.json({ rooms: rooms.sort((a, b) => a.id.localeCompare(b.id)) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post", path: "/admin/rooms/{id}/snapshot", tags: ["admin"], middleware: [requireOperator], security,
      summary: "Write the room's document to Postgres now (admin or metrics token)",
      description: "Loads the room if it is not running. 503 when the database did not take the save (the room keeps retrying).",
      request: { params },
      responses: { 200: json(AdminSnapshotResponse, "Saved"), ...errors(401, 403, 404, 503) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!(await documentExists(c.var.db, id))) throw notFoundError();
      await sendRoomCommand(c.var.config, id, { type: "snapshot" }, c.var.log);
      c.var.log.info("admin: snapshot written", { room: id });
      return c.json({ saved: true as const }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post", path: "/admin/rooms/{id}/close", tags: ["admin"], middleware: [requireOperator], security,
      summary: "Close every socket of the room with 4000 ClosedByAdmin (admin or metrics token)",
      description: "Clients reconnect with backoff, as after a restart. The body is optional; `reason` is sent in the close frame.",
      request: { params, body: { content: { "application/json": { schema: AdminCloseRequest } }, required: false } },
      responses: { 200: json(AdminCloseResponse, "Sockets closed"), ...errors(400, 401, 403, 503) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { reason } = c.req.valid("json") ?? {};
      const answer = await sendRoomCommand(c.var.config, id, { type: "close", reason }, c.var.log);
      const parsed = AdminCloseResponse.safeParse(answer);
      if (!parsed.success) throw new ApiError(503, ErrorCode.RoomUnavailable, "The room answered something unexpected");
      c.var.log.info("admin: room sockets closed", { room: id, closed: parsed.data.closed });
      return c.json(parsed.data, 200);
    },
  );

/** The rooms' stored metrics, or undefined when the store does not answer (the worker's own still show). */
async function roomMetrics(read: () => Promise<StoredRoomMetrics>, onError: (error: unknown) => void): Promise<StoredRoomMetrics | undefined> {
  try {
    return await read();
  } catch (error) {
    onError(error);
    return undefined;
  }
}
