import { describe, expect, inject, test } from "vitest";
import WebSocket from "ws";
import { presenceContract } from "./contract.ts";
import { LOBBY_PATH } from "./lobby-protocol.ts";
import { LobbyPresenceStore, lobbyFetchFromRoom, type RoomWithParties } from "./lobby-store.ts";
import { PresenceUnavailableError } from "./store.ts";

// The lobby party under the real `partykit dev` of the test run's stack (partykit.json lists it). The
// lobby is shared with every other suite's rooms: the contract only looks at its own documents.
const { partyUrl, roomTokenSecret, internalSecret } = inject("stack");
const lobbyUrl = partyUrl + LOBBY_PATH;
const user = { id: "u1", name: "Ada", color: "#e6194b", connections: 1 };

presenceContract("the lobby party", () => ({ kind: "lobby", baseUrl: partyUrl, secret: internalSecret }));

describe("the lobby party's door", () => {
  // Once more on a reset connection: partykit dev closes idle keep-alive sockets, and a POST that lands on
  // one as it closes fails with ECONNRESET before the lobby sees it (fetch retries only idempotent requests).
  const post = (body: string, headers: Record<string, string> = { authorization: `Bearer ${internalSecret}` }, url = lobbyUrl) =>
    fetch(url, { method: "POST", body, headers }).catch((error: Error & { cause?: { code?: string } }) => {
      if (error.cause?.code !== "ECONNRESET") throw error;
      return fetch(url, { method: "POST", body, headers });
    });

  test.each([
    ["no credential", {}],
    ["a wrong secret", { authorization: "Bearer wrong" }],
  ])("%s: 401, and nothing is revealed", async (_name, headers) => {
    const response = await post(JSON.stringify({ type: "active" }), headers);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
  });

  test.each([
    ["not JSON", "nope", "malformed_request"],
    ["an unknown command", '{"type":"drop-all"}', "validation_failed"],
    ["an invalid document id", '{"type":"users","docId":"../x"}', "validation_failed"],
    ["a user without an id", '{"type":"publish","docId":"d","users":[{"name":"x","color":"#000000","connections":1}],"ttlMs":1000}', "validation_failed"],
    ["a TTL over an hour", `{"type":"publish","docId":"d","users":[],"ttlMs":${3_600_001}}`, "validation_failed"],
  ])("%s: 400 %s", async (_name, body, code) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    expect((await response.json()).error.code).toBe(code);
  });

  test("a body over 1 MB: 413", async () => {
    const response = await post(JSON.stringify({ type: "active", docIds: Array.from({ length: 60_000 }, (_, i) => `document-${i}`) }));
    expect(response.status).toBe(413);
  });

  test("GET: 405", async () => {
    const response = await fetch(lobbyUrl, { headers: { authorization: `Bearer ${internalSecret}` } });
    expect(response.status).toBe(405);
  });

  test("any other room of the party: 404", async () => {
    const response = await post(JSON.stringify({ type: "active" }), undefined, `${partyUrl}/parties/presence/other`);
    expect(response.status).toBe(404);
  });

  test("WebSocket connections are refused", async () => {
    const socket = new WebSocket(lobbyUrl.replace(/^http/, "ws"));
    const status = await new Promise<number | undefined>((resolve) => {
      socket.on("unexpected-response", (_request, response) => resolve(response.statusCode));
      socket.on("open", () => resolve(undefined));
      socket.on("error", () => resolve(-1));
    });
    socket.terminate();
    expect(status).toBe(404);
  });

  test("the store turns a refusal or an unreachable party into PresenceUnavailableError", async () => {
    await expect(new LobbyPresenceStore({ baseUrl: partyUrl, secret: "wrong" }).users("d")).rejects.toThrow(PresenceUnavailableError);
    await expect(new LobbyPresenceStore({ baseUrl: "http://127.0.0.1:1", secret: "s" }).users("d")).rejects.toThrow(PresenceUnavailableError);
  });

  test("lobbyFetchFromRoom goes through the room's handle on the presence party", async () => {
    const reached: string[] = [];
    const room: RoomWithParties = {
      context: {
        parties: {
          presence: {
            get: (id) => ({
              fetch: (init) => {
                reached.push(id);
                return fetch(lobbyUrl, init);
              },
            }),
          },
        },
      },
    };
    const store = new LobbyPresenceStore({ baseUrl: "http://unused", secret: internalSecret, fetch: lobbyFetchFromRoom(room) });
    const docId = `room-handle-${Date.now()}`;
    await store.publish(docId, [user], 10);
    expect(await store.users(docId)).toEqual([user]);
    expect(reached).toEqual(["global", "global"]);
    const withoutLobby = new LobbyPresenceStore({ baseUrl: "http://unused", secret: internalSecret, fetch: lobbyFetchFromRoom({ context: { parties: {} } }) });
    await expect(withoutLobby.users(docId)).rejects.toThrow(/declares no "presence" party/);
  });
});
