import { ActiveUsersResponse, AuthResponse, CloseCode, ROOM_PATH_PREFIX, ROOM_TOKEN_PARAM } from "@collab/protocol";
import { describe, expect, inject, it } from "vitest";
import WebSocket from "ws";
import { clientHeaders, sessionFor, signUp, type TestUser } from "../tools/testing/accounts.ts";
import { waitForAsync } from "../tools/testing/clients.ts";
import { nextClose, roomClients } from "../tools/testing/room-clients.ts";

/** Logging out ends the session everywhere: its open sockets close, and its room tokens stop working. */
const { partyUrl, workerUrl } = inject("stack");
const join = roomClients(partyUrl);

/** A second session of the same account (another browser). */
async function secondSession(user: TestUser): Promise<TestUser> {
  const response = await fetch(`${workerUrl}/api/auth/login`, {
    method: "POST",
    // The user's own address, vouched for (clientHeaders): unvouched, every test's logins would share
    // 127.0.0.1's limit, which auth.test.ts exhausts on purpose.
    headers: { "content-type": "application/json", ...clientHeaders(user.ip) },
    body: JSON.stringify({ login: user.username, password: "correct horse battery staple" }),
  });
  expect(response.status).toBe(200);
  const { token } = AuthResponse.parse(await response.json());
  return sessionFor(workerUrl, { ...user, token, ip: user.ip });
}


/** Opens a room socket with `token`: the HTTP status of a refused upgrade, or the close code. */
async function attempt(docId: string, token: string): Promise<{ status?: number; close?: number; open?: boolean }> {
  const socket = new WebSocket(`${partyUrl.replace(/^http/, "ws")}${ROOM_PATH_PREFIX}${docId}?${ROOM_TOKEN_PARAM}=${encodeURIComponent(token)}`);
  return new Promise((resolve) => {
    socket.once("unexpected-response", (_, response) => resolve({ status: response.statusCode }));
    socket.once("close", (code) => resolve({ close: code }));
    socket.once("error", () => {});
    // Still open after a second: admitted.
    socket.once("open", () => setTimeout(() => (socket.readyState === WebSocket.OPEN ? (resolve({ open: true }), socket.close()) : undefined), 1_000));
  });
}

async function present(user: TestUser, docId: string): Promise<boolean> {
  const response = await user.request(`/api/documents/${docId}/users`);
  return ActiveUsersResponse.parse(await response.json()).users.some((entry) => entry.id === user.id);
}

describe("logout", () => {
  it("closes that session's sockets in every room (4410), and leaves the user's other sessions open", async () => {
    const laptop = await signUp(workerUrl, "logout");
    const phone = await secondSession(laptop);
    const [first, second] = [await laptop.createDocument(), await laptop.createDocument()];
    const onLaptop = [join(laptop, first), join(laptop, second)];
    const onPhone = join(phone, first);
    await Promise.all([...onLaptop, onPhone].map((client) => client.synced));
    // Presence is how the worker finds the rooms: wait until both rooms published the user.
    await waitForAsync(async () => (await present(phone, first)) && (await present(phone, second)), "user present in both rooms", 10_000, 100);

    const closes = onLaptop.map(nextClose);
    const started = performance.now();
    expect((await laptop.request("/api/auth/logout", { method: "POST" })).status).toBe(204);
    expect(await Promise.all(closes)).toEqual([CloseCode.SessionEnded, CloseCode.SessionEnded]);
    console.log(`logout closed 2 sockets in 2 rooms within ${Math.round(performance.now() - started)} ms of the request`);

    // The other session keeps editing.
    onPhone.text.insert(0, "still here");
    await new Promise((r) => setTimeout(r, 300));
    expect(onPhone.provider.wsconnected).toBe(true);
    expect((await phone.request("/api/auth/me")).status).toBe(200);
  });

  it("refuses the ended session's room token, even one fetched before the logout", async () => {
    const user = await signUp(workerUrl, "logout");
    const docId = await user.createDocument();
    const token = await user.roomToken(docId);
    expect(await attempt(docId, token)).toEqual({ open: true });

    expect((await user.request("/api/auth/logout", { method: "POST" })).status).toBe(204);
    const loggedOutAt = performance.now();
    // The token is unexpired and validly signed; the session behind it is over. The room caches a live
    // session for 3 s (the lookup is per connect, never per message), so it is refused within that.
    let refused = await attempt(docId, token);
    while (refused.open && performance.now() - loggedOutAt < 10_000) refused = await attempt(docId, token);
    console.log(`old room token refused ${Math.round(performance.now() - loggedOutAt)} ms after logout`);
    expect(refused).toEqual({ close: CloseCode.SessionEnded });
    expect(performance.now() - loggedOutAt).toBeLessThan(3_000 + 2_000 + 1_000);
  });

  it("refuses an older token in a room nobody told: the room looks the session up in Postgres", async () => {
    const user = await signUp(workerUrl, "logout");
    const docId = await user.createDocument();
    const token = await user.roomToken(docId);
    expect((await user.request("/api/auth/logout", { method: "POST" })).status).toBe(204);
    // The user was never in this room, so the worker told it nothing. A token younger than 3 s is trusted
    // as the worker's own answer (it issues them to live sessions only); past that, the room asks Postgres.
    await new Promise((r) => setTimeout(r, 3_100));
    expect(await attempt(docId, token)).toEqual({ close: CloseCode.SessionEnded });
  });

  it("does not refuse tokens of a live session (the check is cached, not per message)", async () => {
    const user = await signUp(workerUrl, "logout");
    const docId = await user.createDocument();
    for (let i = 0; i < 3; i++) expect(await attempt(docId, await user.roomToken(docId))).toEqual({ open: true });
    // An older token of a live session is looked up, and admitted.
    const older = await user.roomToken(docId);
    await new Promise((r) => setTimeout(r, 3_100));
    expect(await attempt(docId, older)).toEqual({ open: true });
  });
});
