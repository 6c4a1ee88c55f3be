import { ActiveUser, DocId, RoomMetricsReport } from "@collab/protocol";
import { z } from "zod";
import { MAX_TTL_SECONDS } from "./store.ts";

/**
 * The lobby party's wire protocol: presence without Redis. One PartyKit room, `/parties/presence/global`,
 * holds every document's present users in memory (party/lobby.ts); rooms and the worker call it over HTTP.
 *
 * `POST /parties/presence/global` with `Authorization: Bearer <INTERNAL_SECRET>` (the worker's internal
 * credential for rooms) and one JSON command:
 *
 * | command | answer (200) |
 * | --- | --- |
 * | `{"type":"publish","docId","users":[ActiveUser...],"ttlMs"}` | `{"ok":true}`; no users = clear |
 * | `{"type":"clear","docId"}` | `{"ok":true}` |
 * | `{"type":"users","docId"}` | `{"users":[...]}` |
 * | `{"type":"active","docIds"?:[...]}` | `{"documents":[["docId",[users]], ...]}` (pairs: ids like `__proto__` are valid) |
 * | `{"type":"report-metrics","docId","report":{counters,gauges},"ttlMs"}` | `{"ok":true}` (see protocol/room-metrics.ts) |
 * | `{"type":"metrics"}` | `{"total":{...},"rooms":[{docId,counters,gauges?}...]}` |
 *
 * 401 without the secret, 400 for anything that is not a command (with the reason), 405 for other methods,
 * 413 over `MAX_LOBBY_BODY_BYTES`, 404 for any other room of the party. WebSocket connections are refused.
 *
 * What the lobby never does: keep anything across a restart (a restarted lobby is empty until the rooms'
 * next refresh, a few seconds), or answer anybody without the secret: the worker filters by what the caller
 * may see before anything leaves the server.
 */
export const LOBBY_PARTY = "presence";
export const LOBBY_ROOM = "global";
export const LOBBY_PATH = `/parties/${LOBBY_PARTY}/${LOBBY_ROOM}`;

export const MAX_USERS_PER_DOCUMENT = 1_000;
export const MAX_QUERY_DOCUMENTS = 10_000;
export const MAX_LOBBY_BODY_BYTES = 1_000_000;

export const LobbyCommand = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("publish"),
    docId: DocId,
    users: z.array(ActiveUser).max(MAX_USERS_PER_DOCUMENT),
    ttlMs: z.number().int().positive().max(MAX_TTL_SECONDS * 1000),
  }),
  z.object({ type: z.literal("clear"), docId: DocId }),
  z.object({ type: z.literal("users"), docId: DocId }),
  z.object({ type: z.literal("active"), docIds: z.array(DocId).max(MAX_QUERY_DOCUMENTS).optional() }),
  z.object({ type: z.literal("report-metrics"), docId: DocId, report: RoomMetricsReport, ttlMs: z.number().int().positive().max(MAX_TTL_SECONDS * 1000) }),
  z.object({ type: z.literal("metrics") }),
]);
export type LobbyCommand = z.infer<typeof LobbyCommand>;

export const LobbyOk = z.object({ ok: z.literal(true) });
export const LobbyUsers = z.object({ users: z.array(ActiveUser) });
export const LobbyDocuments = z.object({ documents: z.array(z.tuple([z.string(), z.array(ActiveUser)])) });
const Numbers = z.record(z.string(), z.number());
export const LobbyMetrics = z.object({
  total: Numbers,
  rooms: z.array(z.object({ docId: z.string(), counters: Numbers, gauges: Numbers.optional() })),
});
