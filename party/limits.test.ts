import { CloseCode } from "@collab/protocol";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signUp, type TestUser } from "../tools/testing/accounts.ts";
import * as encoding from "lib0/encoding";
import { connectClient, rawSocket, waitFor, type RawSocket, type TestClient } from "../tools/testing/clients.ts";
import { freePort, type Service } from "../tools/stack/service.ts";
import { startParty } from "../tools/stack/servers.ts";
import { CHUNKED_UPLOAD_MARKER } from "./chunked-upload.ts";

/** Limits, on a party of its own configured with small ones. */
const MAX_DOCUMENT_BYTES = 64 * 1024;
const IDLE_TIMEOUT_MS = 1_500;
const MAX_CONNECTIONS_PER_USER = 4;
const RATE_JOIN_BURST = 6;
const RATE_JOINS_PER_SECOND = 2;
const MAX_CONNECTIONS_PER_ROOM = 8;
const MAX_UPLOAD_BYTES_PER_ROOM = 2 * MAX_DOCUMENT_BYTES;
const UPLOAD_TIMEOUT_MS = 3_000;
const { databaseUrl, wsProxy, workerUrl, roomTokenSecret, internalSecret } = inject("stack");
const persistDir = mkdtempSync(join(tmpdir(), "collab-limits-"));
let party: Service;
let partyUrl = "";
let owner: TestUser;
let other: TestUser;
let third: TestUser;
const clients: TestClient[] = [];

beforeAll(async () => {
  const port = await freePort();
  const vars = {
    MAX_DOCUMENT_BYTES: String(MAX_DOCUMENT_BYTES),
    IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS),
    MAX_CONNECTIONS_PER_USER: String(MAX_CONNECTIONS_PER_USER),
    RATE_JOIN_BURST: String(RATE_JOIN_BURST),
    RATE_JOINS_PER_SECOND: String(RATE_JOINS_PER_SECOND),
    MAX_CONNECTIONS_PER_ROOM: String(MAX_CONNECTIONS_PER_ROOM),
    MAX_UPLOAD_BYTES_PER_ROOM: String(MAX_UPLOAD_BYTES_PER_ROOM),
    UPLOAD_TIMEOUT_MS: String(UPLOAD_TIMEOUT_MS),
  };
  [party, owner, other, third] = await Promise.all([
    startParty({ databaseUrl, wsProxy, roomTokenSecret, internalSecret, port, persistDir, vars, quiet: process.env.STACK_LOGS !== "1" }),
    signUp(workerUrl, "limits"),
    signUp(workerUrl, "limits-other"),
    signUp(workerUrl, "limits-third"),
  ]);
  partyUrl = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  clients.forEach((client) => client.destroy());
  await party?.stop();
  rmSync(persistDir, { recursive: true, force: true });
});

describe("a client that goes silent", () => {
  it("is closed as half-open, and its cursor leaves the others", async () => {
    const docId = await owner.createDocument();
    const watcher = connectClient(partyUrl, docId, { token: () => owner.roomToken(docId) });
    clients.push(watcher);
    await watcher.synced;
    // The watcher keeps talking, as a live provider does.
    const keepAlive = setInterval(() => watcher.provider.awareness.setLocalStateField("tick", Date.now()), 300);
    try {
      const silent = await rawSocket(partyUrl, docId, await owner.roomToken(docId));
      const update = encoding.createEncoder();
      encoding.writeVarUint(update, 1);
      encoding.writeVarUint(update, 777001);
      encoding.writeVarUint(update, 1);
      encoding.writeVarString(update, JSON.stringify({ cursor: null }));
      const frame = encoding.createEncoder();
      encoding.writeVarUint(frame, 1);
      encoding.writeVarUint8Array(frame, encoding.toUint8Array(update));
      silent.socket.send(encoding.toUint8Array(frame));
      await waitFor(() => watcher.provider.awareness.getStates().has(777001), "the silent client's cursor shows");
      const sentAt = performance.now();
      expect((await silent.closed).code).toBe(CloseCode.Idle);
      await waitFor(() => !watcher.provider.awareness.getStates().has(777001), "its cursor is gone", 2_000);
      console.log(`silent socket closed and its cursor gone ${(performance.now() - sentAt).toFixed(0)} ms after its last message (idle timeout ${IDLE_TIMEOUT_MS} ms)`);
      expect(watcher.provider.wsconnected).toBe(true);
    } finally {
      clearInterval(keepAlive);
    }
  });
});

describe("the maximum document size", () => {
  it("closes the client whose edit would grow the document past it; the others keep editing and nothing is lost", async () => {
    const docId = await owner.createDocument();
    const open = () => {
      const client = connectClient(partyUrl, docId, { token: () => owner.roomToken(docId) });
      clients.push(client);
      return client;
    };
    const [big, other] = [open(), open()];
    await Promise.all([big.synced, other.synced]);
    other.text.insert(0, "kept\n");
    await waitFor(() => big.text.toString() === "kept\n", "edits flow");

    const closed = new Promise<number>((resolve) => big.provider.once("connection-close", (event: { code: number }) => resolve(event.code)));
    big.text.insert(big.text.length, "x".repeat(MAX_DOCUMENT_BYTES));
    expect(await closed).toBe(CloseCode.DocumentTooLarge);

    other.text.insert(other.text.length, "still editing\n");
    const fresh = open();
    await fresh.synced;
    await waitFor(() => fresh.text.toString() === "kept\nstill editing\n", "the room holds the honest edits, not the oversized one");
  });
});

describe("one user's connections to a room", () => {
  async function share(docId: string, user: TestUser, role: "editor" | "viewer"): Promise<void> {
    expect((await owner.request(`/api/documents/${docId}/members`, { body: { user: user.username, role } })).status).toBe(201);
  }

  /** Another user typing in the room while the first one misbehaves: nothing of theirs may be held up. */
  async function bystander(docId: string): Promise<TestClient> {
    await share(docId, other, "editor");
    const client = connectClient(partyUrl, docId, { token: () => other.roomToken(docId) });
    clients.push(client);
    await client.synced;
    return client;
  }

  async function expectRefused(socket: RawSocket, reason: RegExp): Promise<void> {
    const closed = await socket.closed;
    expect(closed.code).toBe(CloseCode.RateLimited);
    expect(closed.reason).toMatch(reason);
  }

  /** Admitted: the room sends its sync step 1 to a socket it keeps. */
  async function expectAdmitted(socket: RawSocket): Promise<void> {
    await waitFor(() => socket.received.length > 0, "the room talks to the new socket");
    expect(socket.socket.readyState).toBe(socket.socket.OPEN);
  }

  it("are refused with 4429 past the open bound, and admitted again when one closes", async () => {
    const docId = await owner.createDocument();
    const typing = await bystander(docId);
    const token = await owner.roomToken(docId);
    const open = await Promise.all(Array.from({ length: MAX_CONNECTIONS_PER_USER }, () => rawSocket(partyUrl, docId, token)));
    await expectRefused(await rawSocket(partyUrl, docId, token), /connections of one user/);
    typing.text.insert(0, "still typing");
    open[0]!.socket.close();
    await open[0]!.closed;
    const again = await rawSocket(partyUrl, docId, token);
    await expectAdmitted(again);
    [again, ...open.slice(1)].forEach((socket) => socket.socket.terminate());
    const check = connectClient(partyUrl, docId, { token: () => other.roomToken(docId) });
    clients.push(check);
    await check.synced;
    expect(check.text.toString()).toBe("still typing");
  });

  it("are refused with 4429 past the join rate, which refills", async () => {
    const docId = await owner.createDocument();
    const typing = await bystander(docId);
    const token = await owner.roomToken(docId);
    // A client that reconnects as fast as it can (a broken retry loop, or someone trying to tire the room).
    let admitted = 0;
    let refusal: { code: number; reason: string } | undefined;
    const startedAt = performance.now();
    while (!refusal && admitted < 50) {
      const socket = await rawSocket(partyUrl, docId, token);
      const closed = await Promise.race([socket.closed, new Promise<undefined>((r) => setTimeout(r, 100))]);
      if (closed) refusal = closed;
      else admitted++;
      socket.socket.terminate();
      typing.text.insert(typing.text.length, ".");
    }
    // The burst, and the refill of the time it took (at most one or two more on a slow machine).
    expect(admitted).toBeGreaterThanOrEqual(RATE_JOIN_BURST);
    expect(admitted).toBeLessThanOrEqual(RATE_JOIN_BURST + Math.ceil(((performance.now() - startedAt) / 1000) * RATE_JOINS_PER_SECOND));
    expect(refusal?.code).toBe(CloseCode.RateLimited);
    expect(refusal?.reason).toMatch(/joins a second/);
    // Another user joins meanwhile, and the refused user is admitted once the budget refills.
    const check = connectClient(partyUrl, docId, { token: () => other.roomToken(docId) });
    clients.push(check);
    await check.synced;
    await waitFor(() => check.text.toString() === typing.text.toString(), "the other user's typing arrives");
    await new Promise((r) => setTimeout(r, 1_000 / RATE_JOINS_PER_SECOND + 100));
    const later = await rawSocket(partyUrl, docId, token);
    await expectAdmitted(later);
    later.socket.terminate();
  });

  it("fill a room only up to its bound, whoever holds them", async () => {
    const docId = await owner.createDocument();
    await share(docId, other, "editor");
    await share(docId, third, "viewer");
    const [ownerToken, otherToken, thirdToken] = await Promise.all([owner.roomToken(docId), other.roomToken(docId), third.roomToken(docId)]);
    const held = await Promise.all([
      ...Array.from({ length: MAX_CONNECTIONS_PER_ROOM / 2 }, () => rawSocket(partyUrl, docId, ownerToken)),
      ...Array.from({ length: MAX_CONNECTIONS_PER_ROOM / 2 }, () => rawSocket(partyUrl, docId, otherToken)),
    ]);
    await expectRefused(await rawSocket(partyUrl, docId, thirdToken), /room is full/);
    held[0]!.socket.close();
    await held[0]!.closed;
    const admitted = await rawSocket(partyUrl, docId, thirdToken);
    await expectAdmitted(admitted);
    [admitted, ...held.slice(1)].forEach((socket) => socket.socket.terminate());
  });
});

describe("unfinished chunked uploads", () => {
  const start = (size: number, count: number) => `${CHUNKED_UPLOAD_MARKER}#${JSON.stringify({ id: `u${size}x${count}`, type: "start", size, count })}`;

  it("hold at most the room's upload budget, all connections together; one that ends gives its part back", async () => {
    const docId = await owner.createDocument();
    const token = await owner.roomToken(docId);
    const [a, b, c] = await Promise.all([0, 1, 2].map(() => rawSocket(partyUrl, docId, token)));
    a!.socket.send(start(MAX_DOCUMENT_BYTES, 1));
    b!.socket.send(start(MAX_DOCUMENT_BYTES, 1));
    // Half of a's upload arrives and waits: the room holds it, and nobody else may start one now.
    a!.socket.send(new Uint8Array(MAX_DOCUMENT_BYTES / 2));
    await new Promise((r) => setTimeout(r, 200));
    c!.socket.send(start(1_000, 1));
    const { code, reason } = await c!.closed;
    expect(code).toBe(CloseCode.RateLimited);
    expect(reason).toMatch(/unfinished uploads in this room already hold 131072 bytes/);
    a!.socket.terminate();
    await a!.closed;
    const d = await rawSocket(partyUrl, docId, token);
    d.socket.send(start(1_000, 1));
    await new Promise((r) => setTimeout(r, 300));
    expect(d.socket.readyState).toBe(d.socket.OPEN);
    [b!, d].forEach((socket) => socket.socket.terminate());
  });

  it("are closed with 4408 past the upload deadline, however lively the trickle", async () => {
    const docId = await owner.createDocument();
    const trickler = await rawSocket(partyUrl, docId, await owner.roomToken(docId));
    // Announced as 65,536 one-byte slices, sent one every 200 ms: never idle, never done.
    trickler.socket.send(start(MAX_DOCUMENT_BYTES, MAX_DOCUMENT_BYTES));
    const startedAt = performance.now();
    const timer = setInterval(() => trickler.socket.readyState === trickler.socket.OPEN && trickler.socket.send(new Uint8Array(1)), 200);
    try {
      const { code, reason } = await trickler.closed;
      const after = performance.now() - startedAt;
      console.log(`trickled upload closed ${after.toFixed(0)} ms after its start (deadline ${UPLOAD_TIMEOUT_MS} ms, idle timeout ${IDLE_TIMEOUT_MS} ms)`);
      expect(code).toBe(CloseCode.Idle);
      expect(reason).toMatch(/upload not finished within/);
      expect(after).toBeGreaterThanOrEqual(UPLOAD_TIMEOUT_MS - 100);
    } finally {
      clearInterval(timer);
    }
  });
});
