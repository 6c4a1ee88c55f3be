import { LobbyPresenceStore } from "../lobby-store.ts";
import { MemoryPresenceStore } from "../memory-store.ts";
import { RedisPresenceStore } from "../redis-store.ts";
import type { PresenceStore } from "../store.ts";

/** How to reach a backend, as plain data: the contract suite and its publisher process both build stores from it. */
export type StoreSpec =
  | { kind: "redis"; url: string; token: string; prefix: string; indexGraceMs?: number }
  | { kind: "lobby"; baseUrl: string; secret: string }
  | { kind: "memory" };

export function storeFromSpec(spec: StoreSpec): PresenceStore {
  switch (spec.kind) {
    case "redis":
      return new RedisPresenceStore({ url: spec.url, token: spec.token, prefix: spec.prefix, indexGraceMs: spec.indexGraceMs, retries: 0 });
    case "lobby":
      return new LobbyPresenceStore({ baseUrl: spec.baseUrl, secret: spec.secret });
    case "memory":
      return new MemoryPresenceStore();
  }
}
