import { afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { WebsocketProvider } from "y-websocket";
import WebSocket from "ws";
import * as Y from "yjs";
import { DocRoot, PARTY_NAME, ROOM_TOKEN_PARAM } from "@collab/protocol";
import { signUp, type TestUser } from "../tools/testing/accounts.ts";
import { connectClient, waitFor, type TestClient } from "../tools/testing/clients.ts";

const { partyUrl, workerUrl } = inject("stack");
const clients: TestClient[] = [];
let owner: TestUser;
beforeAll(async () => void (owner = await signUp(workerUrl, "sync")));
const newDoc = () => owner.createDocument();
const open = (docId: string, name?: string) => {
  const client = connectClient(partyUrl, docId, { name, token: () => owner.roomToken(docId) });
  clients.push(client);
  return client;
};
afterEach(() => clients.splice(0).forEach((client) => client.destroy()));

describe("a room", () => {
  it.each([2, 10])("makes %i clients typing at once converge", async (count) => {
    const docId = await newDoc();
    const peers = Array.from({ length: count }, () => open(docId));
    await Promise.all(peers.map((peer) => peer.synced));
    for (let round = 0; round < 5; round++) {
      peers.forEach((peer, i) => peer.text.insert(Math.min(peer.text.length, i * 3), `[${i}.${round}]`));
    }
    const expectedLength = count * 5 * `[0.0]`.length;
    const ms = await waitFor(
      () => peers.every((peer) => peer.text.length === expectedLength && peer.text.toString() === peers[0]!.text.toString()),
      "every client holds the same text",
    );
    console.log(`${count} clients converged ${ms.toFixed(0)} ms after the last edit`);
    // Inserts land inside each other's tokens, so compare the characters, not the tokens.
    const typed = peers.flatMap((_, i) => Array.from({ length: 5 }, (_, round) => `[${i}.${round}]`)).join("");
    expect([...peers[0]!.text.toString()].sort().join("")).toBe([...typed].sort().join(""));
  });

  it("gives a late joiner the full state", async () => {
    const docId = await newDoc();
    const first = open(docId);
    await first.synced;
    first.text.insert(0, "written before anyone else came");
    first.doc.getMap(DocRoot.meta).set("language", "python");
    const late = open(docId);
    await late.synced;
    await waitFor(() => late.text.toString() === "written before anyone else came", "late joiner has the text");
    expect(late.doc.getMap(DocRoot.meta).get("language")).toBe("python");
  });

  it("opens a new document in the language it was created with", async () => {
    const docId = await owner.createDocument({ language: "python" });
    const client = open(docId);
    await client.synced;
    await waitFor(() => client.doc.getMap(DocRoot.meta).get("language") === "python", "the room seeded the language");
    expect(client.text.toString()).toBe("");
  });

  it("removes a client's awareness from the others within 5 s after its socket drops", async () => {
    const docId = await newDoc();
    const stays = open(docId, "stays");
    const drops = open(docId, "drops");
    await Promise.all([stays.synced, drops.synced]);
    const dropsId = drops.doc.clientID;
    await waitFor(() => stays.provider.awareness.getStates().has(dropsId), "the other client is visible");
    // Cut the socket without a close handshake, as a crashed tab or a lost network does.
    (drops.provider.ws as unknown as WebSocket).terminate();
    drops.stop();
    const ms = await waitFor(() => !stays.provider.awareness.getStates().has(dropsId), "its cursor is gone", 5_000);
    console.log(`awareness removed ${ms.toFixed(0)} ms after the socket dropped`);
  });

  it("serves y-websocket's WebsocketProvider unchanged", async () => {
    const docId = await newDoc();
    const partykit = open(docId);
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(`${partyUrl.replace(/^http/, "ws")}/parties/${PARTY_NAME}`, docId, doc, {
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
      params: { [ROOM_TOKEN_PARAM]: await owner.roomToken(docId) },
    });
    try {
      await partykit.synced;
      partykit.text.insert(0, "from y-partykit ");
      doc.getText(DocRoot.content).insert(0, "from y-websocket ");
      await waitFor(
        () => doc.getText(DocRoot.content).length === 33 && partykit.text.toString() === doc.getText(DocRoot.content).toString(),
        "both providers converge",
      );
    } finally {
      provider.destroy();
    }
  });
});
