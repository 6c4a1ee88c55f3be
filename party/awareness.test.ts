import { CloseCode } from "@collab/protocol";
import * as encoding from "lib0/encoding";
import { afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { signUp, type TestUser } from "../tools/testing/accounts.ts";
import { connectClient, rawSocket, waitFor, type TestClient } from "../tools/testing/clients.ts";
import { MAX_AWARENESS_STATE_BYTES } from "./awareness-guard.ts";

/** Awareness (names, colours, cursors) from one connection only ever speaks for that connection's user. */
const { partyUrl, workerUrl } = inject("stack");
const clients: TestClient[] = [];
afterEach(() => clients.splice(0).forEach((client) => client.destroy()));

let alice: TestUser;
let mallory: TestUser;
let docId: string;
beforeAll(async () => {
  [alice, mallory] = await Promise.all([signUp(workerUrl, "Alice"), signUp(workerUrl, "Mallory")]);
  docId = await alice.createDocument();
  await alice.request(`/api/documents/${docId}/members`, { body: { user: mallory.username, role: "editor" } });
});

function join(user: TestUser): TestClient {
  const client = connectClient(partyUrl, docId, { token: () => user.roomToken(docId) });
  clients.push(client);
  return client;
}

/** An awareness frame (y-protocols framing) for one client id. */
function awarenessFrame(clientId: number, clock: number, state: unknown): Uint8Array {
  const update = encoding.createEncoder();
  encoding.writeVarUint(update, 1);
  encoding.writeVarUint(update, clientId);
  encoding.writeVarUint(update, clock);
  encoding.writeVarString(update, JSON.stringify(state));
  const frame = encoding.createEncoder();
  encoding.writeVarUint(frame, 1);
  encoding.writeVarUint8Array(frame, encoding.toUint8Array(update));
  return encoding.toUint8Array(frame);
}

describe("awareness", () => {
  it("shows the name, id and colour from the room token, whatever the client claims", async () => {
    const watcher = join(alice);
    const poser = join(mallory);
    await Promise.all([watcher.synced, poser.synced]);
    poser.provider.awareness.setLocalStateField("user", { id: alice.id, name: "Alice", color: "#000000" });
    await waitFor(() => watcher.provider.awareness.getStates().get(poser.doc.clientID)?.user !== undefined, "the watcher sees the poser");
    const shown = watcher.provider.awareness.getStates().get(poser.doc.clientID)!.user as { id: string; name: string; color: string };
    expect(shown.id).toBe(mallory.id);
    expect(shown.name).toBe("Mallory");
    expect(shown.color).not.toBe("#000000");
  });

  it("never applies awareness a connection sends for another connection's client id", async () => {
    const victim = join(alice);
    await victim.synced;
    victim.provider.awareness.setLocalStateField("cursor", { anchor: 3, head: 3 });
    const watcher = join(alice);
    await watcher.synced;
    await waitFor(() => (watcher.provider.awareness.getStates().get(victim.doc.clientID) as { cursor?: unknown })?.cursor !== undefined, "cursor visible");
    const attacker = await rawSocket(partyUrl, docId, await mallory.roomToken(docId));
    // Echoes of others' states are normal provider traffic, so this is dropped rather than punished.
    attacker.socket.send(awarenessFrame(victim.doc.clientID, 1_000_000, { cursor: { anchor: 0, head: 99 } }));
    attacker.socket.send(awarenessFrame(victim.doc.clientID, 1_000_001, null));
    victim.text.insert(0, "x");
    await waitFor(() => watcher.text.toString() === "x", "later messages were processed");
    await new Promise((r) => setTimeout(r, 100));
    expect(watcher.provider.awareness.getStates().get(victim.doc.clientID)).toMatchObject({ cursor: { anchor: 3, head: 3 } });
  });

  it("closes a connection whose awareness state is over the size cap", async () => {
    const attacker = await rawSocket(partyUrl, docId, await mallory.roomToken(docId));
    attacker.socket.send(awarenessFrame(424242, 1, { blob: "x".repeat(MAX_AWARENESS_STATE_BYTES) }));
    expect((await attacker.closed).code).toBe(CloseCode.MessageTooLarge);
  });

  it("closes a flood of awareness updates, and others keep working", async () => {
    const bystander = join(alice);
    const other = join(alice);
    await Promise.all([bystander.synced, other.synced]);
    const attacker = await rawSocket(partyUrl, docId, await mallory.roomToken(docId));
    for (let clock = 1; clock <= 400 && attacker.socket.readyState === attacker.socket.OPEN; clock++) {
      attacker.socket.send(awarenessFrame(525252, clock, { cursor: { anchor: clock, head: clock } }));
    }
    expect((await attacker.closed).code).toBe(CloseCode.RateLimited);
    bystander.text.insert(0, "still here");
    await waitFor(() => other.text.toString().includes("still here"), "edits still flow");
  });

  it("coalesces a client's cursor moves: fewer broadcasts, and the last position arrives", async () => {
    const mover = join(mallory);
    const watcher = join(alice);
    await Promise.all([mover.synced, watcher.synced]);
    let received = 0;
    watcher.provider.awareness.on("change", ({ updated }: { updated: number[] }) => {
      if (updated.includes(mover.doc.clientID)) received++;
    });
    for (let position = 1; position <= 100; position++) {
      mover.provider.awareness.setLocalStateField("cursor", { anchor: position, head: position });
      await new Promise((r) => setTimeout(r, 5));
    }
    const head = () => (watcher.provider.awareness.getStates().get(mover.doc.clientID) as { cursor?: { head: number } })?.cursor?.head;
    await waitFor(() => head() === 100, "the last position arrives").catch((error) => {
      throw new Error(`${error.message}; the watcher holds head ${head()} after ${received} updates`);
    });
    console.log(`100 cursor moves in ~0.6 s reached the watcher as ${received} updates`);
    expect(received).toBeLessThan(40);
  });
});
