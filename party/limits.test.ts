import { CloseCode } from "@collab/protocol";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signUp, type TestUser } from "../tools/testing/accounts.ts";
import * as encoding from "lib0/encoding";
import { connectClient, rawSocket, waitFor, type TestClient } from "../tools/testing/clients.ts";
import { freePort, type Service } from "../tools/stack/service.ts";
import { startParty } from "../tools/stack/servers.ts";

/** Limits, on a party of its own configured with small ones. */
const MAX_DOCUMENT_BYTES = 64 * 1024;
const IDLE_TIMEOUT_MS = 1_500;
const { databaseUrl, wsProxy, workerUrl, roomTokenSecret, internalSecret } = inject("stack");
const persistDir = mkdtempSync(join(tmpdir(), "collab-limits-"));
let party: Service;
let partyUrl = "";
let owner: TestUser;
const clients: TestClient[] = [];

beforeAll(async () => {
  const port = await freePort();
  [party, owner] = await Promise.all([
    startParty({ databaseUrl, wsProxy, roomTokenSecret, internalSecret, port, persistDir, vars: { MAX_DOCUMENT_BYTES: String(MAX_DOCUMENT_BYTES), IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS) }, quiet: process.env.STACK_LOGS !== "1" }),
    signUp(workerUrl, "limits"),
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
