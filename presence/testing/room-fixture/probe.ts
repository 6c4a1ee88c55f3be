import type * as Party from "partykit/server";
import { LobbyPresenceStore, RedisPresenceStore, lobbyFetchFromRoom, type PresenceStore } from "../../index.ts";

/**
 * A room that uses the presence stores exactly as the document rooms will, inside workerd under
 * `partykit dev`: Redis through `@upstash/redis/cloudflare` (UPSTASH_REDIS_REST_URL/TOKEN) and the lobby
 * through the room's own handle on the presence party. Used by presence/in-room.test.ts and
 * presence/measure.ts. `POST /parties/main/<docId>` with `{ backend, publishes, ttlSeconds, prefix? }`
 * publishes that many times (timing each round trip), then answers what the store lists.
 */
export default class PresenceProbe implements Party.Server {
  constructor(readonly room: Party.Room) {}

  async onRequest(request: Party.Request): Promise<Response> {
    const { backend, publishes, ttlSeconds, prefix } = (await request.json()) as { backend: "redis" | "lobby"; publishes: number; ttlSeconds: number; prefix?: string };
    const env = this.room.env as Record<string, string>;
    const store: PresenceStore =
      backend === "redis"
        ? new RedisPresenceStore({ url: env.UPSTASH_REDIS_REST_URL!, token: env.UPSTASH_REDIS_REST_TOKEN!, prefix })
        : new LobbyPresenceStore({ baseUrl: "http://lobby", secret: env.INTERNAL_SECRET!, fetch: lobbyFetchFromRoom(this.room) });
    const docId = this.room.id;
    const user = { id: "probe", name: "Probe ✓", color: "#911eb4", connections: 1 };
    const timings: number[] = [];
    try {
      for (let i = 0; i < publishes; i++) {
        // Date.now() only advances across I/O in workerd: exactly the round trip we want.
        const started = Date.now();
        await store.publish(docId, [{ ...user, connections: 1 + (i % 3) }], ttlSeconds);
        timings.push(Date.now() - started);
      }
      const users = await store.users(docId);
      const active = [...(await store.active([docId, "not-this-one"]))];
      return Response.json({ users, active, timings });
    } catch (error) {
      return Response.json({ error: String(error) }, { status: 500 });
    }
  }
}
