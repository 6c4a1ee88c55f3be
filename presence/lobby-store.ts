import type { ActiveUser } from "@collab/protocol";
import type { z } from "zod";
import type { RoomMetricsReport, StoredRoomMetrics } from "@collab/protocol";
import { LOBBY_PARTY, LOBBY_PATH, LOBBY_ROOM, LobbyDocuments, LobbyMetrics, LobbyOk, LobbyUsers, type LobbyCommand } from "./lobby-protocol.ts";
import { PresenceUnavailableError, ttlMillis, type PresenceStore } from "./store.ts";

/** What the store needs of `fetch`: the global one, or a room's stub (`lobbyFetchFromRoom`). */
export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: string }) => Promise<Response>;

export interface LobbyPresenceOptions {
  /** INTERNAL_SECRET: the lobby answers internal callers only. */
  secret: string;
  /** Where the party is served, e.g. PARTY_URL `http://127.0.0.1:1999`; requests go to `<baseUrl>/parties/presence/global`. */
  baseUrl: string;
  /** Defaults to the global `fetch`; inside a room pass `lobbyFetchFromRoom(room)`. */
  fetch?: FetchLike;
}

/**
 * The lobby party's client (protocol: lobby-protocol.ts): presence when no Redis is configured. Every
 * call is one HTTP request.
 *
 * @example
 * // the worker
 * const store = new LobbyPresenceStore({ baseUrl: env.PARTY_URL, secret: env.INTERNAL_SECRET });
 * // a room: straight to the lobby's Durable Object, no network hop
 * const store = new LobbyPresenceStore({ baseUrl: "http://lobby", secret, fetch: lobbyFetchFromRoom(room) });
 */
export class LobbyPresenceStore implements PresenceStore {
  readonly #url: string;
  readonly #secret: string;
  readonly #fetch: FetchLike;

  constructor(options: LobbyPresenceOptions) {
    this.#url = options.baseUrl.replace(/\/+$/, "") + LOBBY_PATH;
    this.#secret = options.secret;
    this.#fetch = options.fetch ?? ((url, init) => fetch(url, init));
  }

  async publish(docId: string, users: ActiveUser[], ttlSeconds: number): Promise<void> {
    await this.#call({ type: "publish", docId, users, ttlMs: ttlMillis(ttlSeconds) }, LobbyOk);
  }

  async clear(docId: string): Promise<void> {
    await this.#call({ type: "clear", docId }, LobbyOk);
  }

  async users(docId: string): Promise<ActiveUser[]> {
    return (await this.#call({ type: "users", docId }, LobbyUsers)).users;
  }

  async active(docIds?: string[]): Promise<Map<string, ActiveUser[]>> {
    if (docIds?.length === 0) return new Map();
    const command: LobbyCommand = docIds ? { type: "active", docIds: [...new Set(docIds)] } : { type: "active" };
    return new Map((await this.#call(command, LobbyDocuments)).documents);
  }

  async reportMetrics(docId: string, report: RoomMetricsReport, ttlSeconds: number): Promise<void> {
    await this.#call({ type: "report-metrics", docId, report, ttlMs: ttlMillis(ttlSeconds) }, LobbyOk);
  }

  async metrics(): Promise<StoredRoomMetrics> {
    const { total, rooms } = await this.#call({ type: "metrics" }, LobbyMetrics);
    return { total, rooms: rooms.map((room) => ({ docId: room.docId, counters: room.counters, gauges: room.gauges })) };
  }

  async #call<T>(command: LobbyCommand, answer: z.ZodType<T>): Promise<T> {
    let response: Response;
    try {
      response = await this.#fetch(this.#url, {
        method: "POST",
        headers: { authorization: `Bearer ${this.#secret}`, "content-type": "application/json" },
        body: JSON.stringify(command),
      });
    } catch (error) {
      throw new PresenceUnavailableError(`presence lobby unreachable: ${(error as Error).message}`, { cause: error });
    }
    const text = await response.text();
    if (!response.ok) throw new PresenceUnavailableError(`presence lobby answered ${response.status}: ${text.slice(0, 200)}`);
    const parsed = answer.safeParse(safeJson(text));
    if (!parsed.success) throw new PresenceUnavailableError(`presence lobby answered something unexpected: ${text.slice(0, 200)}`);
    return parsed.data;
  }
}

/** The part of a PartyKit room this needs (`Party.Room`): its handle on the other parties of the project. */
export interface RoomWithParties {
  context: { parties: Record<string, { get(id: string): { fetch(init: RequestInit): Promise<Response> } }> };
}

/**
 * A `fetch` for `LobbyPresenceStore` inside a room: the lobby's stub (`room.context.parties.presence`),
 * reached without leaving the runtime. Needs `"parties": { "presence": "party/lobby.ts" }` in partykit.json.
 */
export function lobbyFetchFromRoom(room: RoomWithParties): FetchLike {
  return (_url, init) => {
    const party = room.context.parties[LOBBY_PARTY];
    if (!party) throw new Error(`partykit.json declares no "${LOBBY_PARTY}" party (the presence lobby)`);
    return party.get(LOBBY_ROOM).fetch(init);
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
