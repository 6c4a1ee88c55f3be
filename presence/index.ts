import { LobbyPresenceStore, type LobbyPresenceOptions } from "./lobby-store.ts";
import { RedisPresenceStore } from "./redis-store.ts";
import type { PresenceStore } from "./store.ts";
import type { PresenceConfig } from "@collab/protocol";

export * from "./store.ts";
export { RedisPresenceStore, type RedisPresenceOptions } from "./redis-store.ts";
export { LobbyPresenceStore, lobbyFetchFromRoom, type FetchLike, type LobbyPresenceOptions, type RoomWithParties } from "./lobby-store.ts";
export { MemoryPresenceStore } from "./memory-store.ts";
export * from "./lobby-protocol.ts";

/** Which backend holds presence: read with the rest of each runtime's configuration (protocol/config.ts). */
export type { PresenceConfig } from "@collab/protocol";

/**
 * The store for a configuration; `lobby` says how to reach the lobby party when that is the backend.
 *
 * @example
 * // worker, per request or once per isolate
 * const presence = openPresenceStore(config.presence, { baseUrl: config.partyUrl, secret: config.internalSecret });
 * // room (constructor)
 * const presence = openPresenceStore(roomConfig.presence, { baseUrl: "http://lobby", secret, fetch: lobbyFetchFromRoom(room) });
 */
export function openPresenceStore(config: PresenceConfig, lobby: LobbyPresenceOptions): PresenceStore {
  return config.backend === "redis" ? new RedisPresenceStore({ url: config.url, token: config.token }) : new LobbyPresenceStore(lobby);
}
