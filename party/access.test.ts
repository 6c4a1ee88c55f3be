import { CloseCode, DocRoot, ROOM_PATH_PREFIX, ROOM_TOKEN_ALGORITHM, ROOM_TOKEN_PARAM, type RoomTokenClaims } from "@collab/protocol";
import { sign } from "hono/jwt";
import { afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import WebSocket from "ws";
import { signUp, type TestUser } from "../tools/testing/accounts.ts";
import { connectClient, waitFor, type TestClient } from "../tools/testing/clients.ts";

/** Who may connect, and what happens to open sockets when access changes, over real sockets. */
const { partyUrl, workerUrl, roomTokenSecret } = inject("stack");
const clients: TestClient[] = [];
afterEach(() => clients.splice(0).forEach((client) => client.destroy()));

let owner: TestUser;
let other: TestUser;
beforeAll(async () => {
  [owner, other] = await Promise.all([signUp(workerUrl, "owner"), signUp(workerUrl, "other")]);
});

function join(user: TestUser, docId: string): TestClient {
  const client = connectClient(partyUrl, docId, { name: user.username, token: () => user.roomToken(docId) });
  clients.push(client);
  return client;
}

/** Resolves with the close code of the client's next close, and stops it from reconnecting. */
function nextClose(client: TestClient): Promise<{ code: number; at: number }> {
  return new Promise((resolve) => {
    const onClose = (event: { code: number }) => {
      client.provider.off("connection-close", onClose);
      client.stop();
      resolve({ code: event.code, at: performance.now() });
    };
    client.provider.on("connection-close", onClose);
  });
}

/** Opens a room socket with `token` and returns the HTTP status of a refused upgrade, or the close code. */
async function attempt(docId: string, token: string | undefined): Promise<{ status?: number; close?: number }> {
  const query = token === undefined ? "" : `?${ROOM_TOKEN_PARAM}=${encodeURIComponent(token)}`;
  const socket = new WebSocket(`${partyUrl.replace(/^http/, "ws")}${ROOM_PATH_PREFIX}${docId}${query}`);
  return new Promise((resolve) => {
    socket.once("unexpected-response", (_, response) => resolve({ status: response.statusCode }));
    socket.once("close", (code) => resolve({ close: code }));
    socket.once("error", () => {});
  });
}

async function tokenClaims(user: TestUser, docId: string): Promise<RoomTokenClaims> {
  const [, payload] = (await user.roomToken(docId)).split(".");
  return JSON.parse(Buffer.from(payload!, "base64url").toString()) as RoomTokenClaims;
}

describe("connecting to a room", () => {
  it("accepts the worker's token", async () => {
    const docId = await owner.createDocument();
    const client = join(owner, docId);
    await client.synced;
  });

  it.each([
    ["no token", async () => undefined, 401],
    ["a token signed with another secret", async (claims: RoomTokenClaims) => sign(claims, "x".repeat(40), ROOM_TOKEN_ALGORITHM), 401],
    ["an expired token", async (claims: RoomTokenClaims) => sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 5 }, roomTokenSecret, ROOM_TOKEN_ALGORITHM), 401],
    ["a token with its payload altered", async (claims: RoomTokenClaims, real: string) => {
      const [header, , signature] = real.split(".");
      const payload = Buffer.from(JSON.stringify({ ...claims, role: "owner", sub: "someone-else" })).toString("base64url");
      return `${header}.${payload}.${signature}`;
    }, 401],
    ["an unsigned token (alg none)", async (claims: RoomTokenClaims) => {
      const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
      return `${encode({ alg: "none", typ: "JWT" })}.${encode(claims)}.`;
    }, 401],
    ["garbage", async () => "not-a-token", 401],
    ["a token for another document", async (claims: RoomTokenClaims) => sign({ ...claims, doc: "someOtherDocument" }, roomTokenSecret, ROOM_TOKEN_ALGORITHM), 403],
  ])("refuses %s before the room is touched", async (_, makeToken, status) => {
    const docId = await owner.createDocument();
    const real = await owner.roomToken(docId);
    const token = await makeToken(await tokenClaims(owner, docId), real);
    expect(await attempt(docId, token)).toEqual({ status });
  });
});

describe("a viewer", () => {
  it("sees live edits and is seen, but cannot change a character", async () => {
    const docId = await owner.createDocument({ content: "the owner's text\n" });
    expect((await owner.request(`/api/documents/${docId}/members`, { body: { user: other.username, role: "viewer" } })).status).toBe(201);
    const writer = join(owner, docId);
    const viewer = join(other, docId);
    await Promise.all([writer.synced, viewer.synced]);
    expect((await tokenClaims(other, docId)).role).toBe("viewer");

    writer.text.insert(writer.text.length, "live edit\n");
    await waitFor(() => viewer.text.toString() === "the owner's text\nlive edit\n", "the viewer sees the owner's edit");
    // The viewer's cursor and presence still reach the owner.
    // As y-codemirror.next publishes it: relative positions (the room refuses anything else).
    const position = { type: null, tname: DocRoot.content, item: null, assoc: 0 };
    viewer.provider.awareness.setLocalStateField("cursor", { anchor: position, head: position });
    await waitFor(() => writer.provider.awareness.getStates().get(viewer.doc.clientID)?.cursor !== undefined, "the owner sees the viewer's cursor");

    // The viewer types anyway (a modified client): nobody else gets it, and the document never holds it.
    viewer.text.insert(0, "VIEWER WAS HERE ");
    viewer.doc.getMap(DocRoot.meta).set("language", "rust");
    writer.text.insert(writer.text.length, "after\n");
    await waitFor(() => viewer.text.toString().endsWith("after\n"), "the viewer still receives edits");
    const fresh = join(owner, docId);
    await fresh.synced;
    await waitFor(() => fresh.text.toString() === "the owner's text\nlive edit\nafter\n", "the room holds only the owner's edits");
    expect(writer.text.toString()).not.toContain("VIEWER");
    expect(fresh.doc.getMap(DocRoot.meta).get("language")).not.toBe("rust");
  });
});

describe("when access changes", () => {
  it("closes a removed member's sockets within a second, and their old token no longer opens the room", async () => {
    const docId = await owner.createDocument();
    await owner.request(`/api/documents/${docId}/members`, { body: { user: other.username, role: "editor" } });
    const staleToken = await other.roomToken(docId);
    const member = join(other, docId);
    await member.synced;
    const closed = nextClose(member);
    const started = performance.now();
    expect((await owner.request(`/api/documents/${docId}/members/${other.id}`, { method: "DELETE" })).status).toBe(204);
    const { code, at } = await closed;
    console.log(`removed member's socket closed ${(at - started).toFixed(0)} ms after the DELETE was sent`);
    expect(code).toBe(CloseCode.Forbidden);
    expect(at - started).toBeLessThan(1_000);
    expect(await attempt(docId, staleToken)).toEqual({ close: CloseCode.Unauthorized });
    expect((await other.request(`/api/documents/${docId}/token`, { method: "POST" })).status).toBe(404);
  });

  it("reconnects a downgraded editor as a viewer", async () => {
    const docId = await owner.createDocument({ content: "base\n" });
    await owner.request(`/api/documents/${docId}/members`, { body: { user: other.username, role: "editor" } });
    const writer = join(owner, docId);
    const member = join(other, docId);
    await Promise.all([writer.synced, member.synced]);
    member.text.insert(0, "editor edit\n");
    await waitFor(() => writer.text.toString() === "editor edit\nbase\n", "the editor's edit lands");

    const closed = new Promise<number>((resolve) => member.provider.once("connection-close", (event: { code: number }) => resolve(event.code)));
    const started = performance.now();
    expect((await owner.request(`/api/documents/${docId}/members/${other.id}`, { method: "PATCH", body: { role: "viewer" } })).status).toBe(200);
    expect(await closed).toBe(CloseCode.RoleChanged);
    console.log(`downgraded editor's socket closed ${(performance.now() - started).toFixed(0)} ms after the PATCH was sent`);
    // The provider reconnects with a fresh token, now a viewer's.
    await waitFor(() => member.provider.wsconnected && member.provider.synced, "the member is back", 10_000);
    member.text.insert(0, "should not land\n");
    writer.text.insert(writer.text.length, "owner again\n");
    await waitFor(() => member.text.toString().endsWith("owner again\n"), "the member still receives edits");
    const fresh = join(owner, docId);
    await fresh.synced;
    await waitFor(() => fresh.text.toString() === "editor edit\nbase\nowner again\n", "the room holds no viewer edit");
  });

  it("closes everyone when the document is deleted, and keeps them out", async () => {
    const docId = await owner.createDocument();
    const token = await owner.roomToken(docId);
    const client = join(owner, docId);
    await client.synced;
    const closed = nextClose(client);
    expect((await owner.request(`/api/documents/${docId}`, { method: "DELETE" })).status).toBe(204);
    expect((await closed).code).toBe(CloseCode.DocumentDeleted);
    expect(await attempt(docId, token)).toEqual({ close: CloseCode.DocumentDeleted });
  });
});

