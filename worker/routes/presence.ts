import { visibleDocumentIds } from "@collab/db";
import { PRESENCE_EVENT, PresenceResponse } from "@collab/protocol";
import { createRoute } from "@hono/zod-openapi";
import type { PresenceStore } from "@collab/presence";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import { requireUser } from "../auth/session.ts";
import type { WorkerConfig } from "../config.ts";
import { openWorkerDatabase } from "../context.ts";
import { errors, json, router } from "./openapi.ts";

const tags = ["presence"];
const middleware = [requireUser];
/** How often the stream looks for changes: a join or leave shows within about this plus the room's debounce. */
const POLL_MS = 1_000;
/** How often the stream re-reads which documents the user may see (shares come and go). */
const VISIBILITY_REFRESH_MS = 15_000;
/** Streams end after this; EventSource reconnects by itself, and no request holds a worker forever. */
const STREAM_MS = 10 * 60_000;

export const presenceRoutes = router()
  .openapi(
    createRoute({
      method: "get", path: "/presence", tags, middleware,
      summary: "Who is in each document you may see, right now",
      responses: { 200: json(PresenceResponse, "Documents with anyone present"), ...errors(401, 503) },
    }),
    async (c) => {
      const ids = await visibleDocumentIds(c.var.db, c.var.user.id);
      return c.json(toResponse(await c.var.config.presence.active(ids)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get", path: "/presence/stream", tags, middleware,
      summary: "The same, live: server-sent `presence` events on every change",
      description: "One event at once with the full state, then one per change (checked every second). The stream ends after 10 minutes; EventSource reconnects.",
      responses: { 200: { description: "text/event-stream of `presence` events", content: { "text/event-stream": { schema: z.string() } } }, ...errors(401) },
    }),
    async (c) => {
      const { config, user } = c.var;
      // On the request's own connection (the one requireUser used): a stream costs one database connection
      // to open, not two, and a database that is down answers 503 before the stream starts.
      const initialIds = await visibleDocumentIds(c.var.db, user.id);
      return streamSSE(c, async (stream) => {
        let closed = false;
        stream.onAbort(() => void (closed = true));
        const ends = Date.now() + STREAM_MS;
        let ids: string[] | undefined = initialIds;
        let idsAt = Date.now();
        let sent = "";
        while (!closed && Date.now() < ends) {
          if (!ids || Date.now() - idsAt > VISIBILITY_REFRESH_MS) {
            // A busy or absent database keeps the last list (or waits for the first) rather than end the stream.
            const fresh = await visibleIds(config, user.id).catch((error: unknown) => void c.var.log.error("presence stream: database unavailable", { error }));
            if (fresh) [ids, idsAt] = [fresh, Date.now()];
            if (!ids) {
              await stream.sleep(POLL_MS);
              continue;
            }
          }
          const current = await snapshot(config.presence, ids).catch((error) => {
            c.var.log.error("presence stream: store unavailable", { error });
            return undefined;
          });
          if (current !== undefined && current !== sent) {
            await stream.writeSSE({ event: PRESENCE_EVENT, data: current });
            sent = current;
          }
          await stream.sleep(POLL_MS);
        }
      }) as never;
    },
  );

function toResponse(active: Map<string, PresenceResponse["documents"][number]["users"]>): PresenceResponse {
  return { documents: [...active].map(([id, users]) => ({ id, users })).sort((a, b) => a.id.localeCompare(b.id)) };
}

async function snapshot(store: PresenceStore, ids: string[]): Promise<string> {
  return JSON.stringify(toResponse(await store.active(ids)));
}

/** The request's own pool is closed once the response starts; a long stream opens short-lived ones. */
async function visibleIds(config: WorkerConfig, userId: string): Promise<string[]> {
  const { db, end } = openWorkerDatabase(config);
  try {
    return await visibleDocumentIds(db, userId);
  } finally {
    void end().catch(() => {});
  }
}
