import { LobbyPresenceStore, type LobbyPresenceOptions } from "./lobby-store.ts";
import { RedisPresenceStore } from "./redis-store.ts";
import type { PresenceStore } from "./store.ts";

export * from "./store.ts";
export { RedisPresenceStore, type RedisPresenceOptions } from "./redis-store.ts";
export { LobbyPresenceStore, lobbyFetchFromRoom, type FetchLike, type LobbyPresenceOptions, type RoomWithParties } from "./lobby-store.ts";
export { MemoryPresenceStore } from "./memory-store.ts";
export * from "./lobby-protocol.ts";

/** Which backend holds presence, read once from the environment by `readPresenceConfig`. */
export type PresenceConfig = { backend: "redis"; url: string; token: string } | { backend: "lobby" };

export class PresenceConfigError extends Error {
  override name = "PresenceConfigError";
}

/**
 * Redis (Upstash's REST API) when `UPSTASH_REDIS_REST_URL` and `UPSTASH_REDIS_REST_TOKEN` are both set,
 * else the lobby party. One without the other is a configuration error, not a silent fallback.
 */
export function readPresenceConfig(env: Record<string, unknown>): PresenceConfig {
  const url = nonEmpty(env.UPSTASH_REDIS_REST_URL);
  const token = nonEmpty(env.UPSTASH_REDIS_REST_TOKEN);
  if (!url && !token) return { backend: "lobby" };
  if (!url || !token) {
    throw new PresenceConfigError(`${url ? "UPSTASH_REDIS_REST_TOKEN" : "UPSTASH_REDIS_REST_URL"} must be set too: presence uses Redis only with both (or neither, for the lobby party)`);
  }
  if (!/^https?:\/\/[^\s/]+/.test(url)) throw new PresenceConfigError(`UPSTASH_REDIS_REST_URL must be an http(s) URL, got "${url.slice(0, 80)}"`);
  return { backend: "redis", url, token };
}

/**
 * The store for a configuration; `lobby` says how to reach the lobby party when that is the backend.
 *
 * @example
 * // worker, per request or once per isolate
 * const presence = openPresenceStore(readPresenceConfig(env), { baseUrl: env.PARTY_URL, secret: env.INTERNAL_SECRET });
 * // room (constructor)
 * const presence = openPresenceStore(readPresenceConfig(room.env), { baseUrl: "http://lobby", secret, fetch: lobbyFetchFromRoom(room) });
 */
export function openPresenceStore(config: PresenceConfig, lobby: LobbyPresenceOptions): PresenceStore {
  return config.backend === "redis" ? new RedisPresenceStore({ url: config.url, token: config.token }) : new LobbyPresenceStore(lobby);
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}
