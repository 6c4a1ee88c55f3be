import { ROOM_PATH_PREFIX, ROOM_TOKEN_ALGORITHM, ROOM_TOKEN_PARAM, type RoomTokenClaims } from "@collab/protocol";
import { LOBBY_PATH } from "@collab/presence";
import { sign } from "hono/jwt";
import { beforeAll, describe, expect, inject, it } from "vitest";
import WebSocket from "ws";
import { signUp, type TestUser } from "../tools/testing/accounts.ts";

/**
 * One credential per purpose (issue 13), against the real stack: ROOM_TOKEN_SECRET signs what clients hold,
 * INTERNAL_SECRET is the worker's bearer credential to rooms and to the presence lobby. Neither opens the
 * other's door, whatever leaks.
 */
const { partyUrl, workerUrl, roomTokenSecret, internalSecret } = inject("stack");

let owner: TestUser;
let docId: string;
let roomToken: string;
beforeAll(async () => {
  owner = await signUp(workerUrl, "internal");
  docId = await owner.createDocument();
  roomToken = await owner.roomToken(docId);
});

const roomUrl = () => `${partyUrl}${ROOM_PATH_PREFIX}${docId}`;
const lobbyUrl = () => `${partyUrl}${LOBBY_PATH}`;
const bearer = (credential: string) => ({ authorization: `Bearer ${credential}` });

/** The internal calls the worker makes: list a room's users, send it a command, ask the lobby. */
const internalCalls: [string, (credential: string) => Promise<Response>][] = [
  ["GET a room", (credential) => fetch(roomUrl(), { headers: bearer(credential) })],
  ["POST a room command", (credential) => fetch(roomUrl(), { method: "POST", headers: { ...bearer(credential), "content-type": "application/json" }, body: JSON.stringify({ type: "session-ended", sessionId: "no-such-session" }) })],
  ["POST a lobby command", (credential) => fetch(lobbyUrl(), { method: "POST", headers: bearer(credential), body: JSON.stringify({ type: "users", docId }) })],
];

/** Opens a room socket with `token`: the HTTP status of a refused upgrade, or "open". */
function attempt(token: string): Promise<number | "open"> {
  const socket = new WebSocket(`${partyUrl.replace(/^http/, "ws")}${ROOM_PATH_PREFIX}${docId}?${ROOM_TOKEN_PARAM}=${encodeURIComponent(token)}`);
  return new Promise((resolve) => {
    socket.once("unexpected-response", (_, response) => resolve(response.statusCode ?? 0));
    socket.once("open", () => {
      socket.close();
      resolve("open");
    });
    socket.once("error", () => {});
  });
}

describe("the internal channel", () => {
  it.each(internalCalls)("%s answers INTERNAL_SECRET (the control)", async (_, call) => {
    const response = await call(internalSecret);
    expect(response.status).toBe(200);
  });

  it.each(internalCalls)("%s refuses a leaked room token", async (_, call) => {
    const response = await call(roomToken);
    expect(response.status).toBe(401);
  });

  it.each(internalCalls)("%s refuses ROOM_TOKEN_SECRET itself (it signs, it is never a password)", async (_, call) => {
    const response = await call(roomTokenSecret);
    expect(response.status).toBe(401);
  });

  it.each(internalCalls)("%s refuses a near miss of INTERNAL_SECRET (one character off, a prefix)", async (_, call) => {
    const last = internalSecret.at(-1) === "A" ? "B" : "A";
    expect((await call(internalSecret.slice(0, -1) + last)).status).toBe(401);
    expect((await call(internalSecret.slice(0, -1))).status).toBe(401);
  });
});

describe("room tokens", () => {
  it("the worker's token opens the room (the control)", async () => {
    expect(await attempt(roomToken)).toBe("open");
  });

  it("INTERNAL_SECRET is not a room token", async () => {
    expect(await attempt(internalSecret)).toBe(401);
  });

  it("a token with the worker's claims signed with INTERNAL_SECRET is refused: the internal credential cannot mint room tokens", async () => {
    const [, payload] = roomToken.split(".");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString()) as RoomTokenClaims;
    expect(await attempt(await sign({ ...claims, role: "owner" }, internalSecret, ROOM_TOKEN_ALGORITHM))).toBe(401);
  });
});
