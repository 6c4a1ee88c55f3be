import { CloseCode } from "@collab/protocol";
import { afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { signUp, type TestUser } from "../tools/testing/accounts.ts";
import { connectClient, rawSocket, waitFor, type TestClient } from "../tools/testing/clients.ts";
import { MAX_AWARENESS_STATE_BYTES } from "./awareness-guard.ts";
import { awarenessEntryFrame, awarenessFrame } from "../tools/testing/fault/frames.ts";

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

/** A cursor as y-codemirror.next publishes it (relative positions as JSON); `at` tells positions apart. */
function cursorAt(at: number) {
  const position = { type: null, tname: "content", item: { client: 1, clock: at }, assoc: 0 };
  return { anchor: position, head: position };
}

function headOf(state: unknown): number | undefined {
  return (state as { cursor?: { head: { item: { clock: number } } } } | undefined)?.cursor?.head.item.clock;
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

  it("drops echoes of another user's awareness, and closes a connection that claims it (4423)", async () => {
    const victim = join(alice);
    await victim.synced;
    victim.provider.awareness.setLocalStateField("cursor", cursorAt(3));
    const watcher = join(alice);
    await watcher.synced;
    await waitFor(() => headOf(watcher.provider.awareness.getStates().get(victim.doc.clientID)) === 3, "cursor visible");
    const { clock } = victim.provider.awareness.meta.get(victim.doc.clientID)!;
    const echoer = await rawSocket(partyUrl, docId, await mallory.roomToken(docId));
    // Echoes of others' states (at a clock the room already has) and of removals are normal provider traffic:
    // dropped, not punished.
    echoer.socket.send(awarenessEntryFrame(victim.doc.clientID, clock, { cursor: cursorAt(99) }));
    echoer.socket.send(awarenessEntryFrame(victim.doc.clientID, clock + 1, null));
    victim.text.insert(0, "x");
    await waitFor(() => watcher.text.toString().startsWith("x"), "later messages were processed");
    await new Promise((r) => setTimeout(r, 100));
    expect(headOf(watcher.provider.awareness.getStates().get(victim.doc.clientID))).toBe(3);
    expect(echoer.socket.readyState).toBe(echoer.socket.OPEN);
    echoer.socket.close();

    // A newer clock is nobody's echo: it is a claim.
    const claimer = await rawSocket(partyUrl, docId, await mallory.roomToken(docId));
    claimer.socket.send(awarenessEntryFrame(victim.doc.clientID, clock + 1_000, { cursor: cursorAt(99) }));
    expect((await claimer.closed).code).toBe(CloseCode.ClientIdTaken);
    await new Promise((r) => setTimeout(r, 100));
    expect(headOf(watcher.provider.awareness.getStates().get(victim.doc.clientID))).toBe(3);
  });

  it("keeps a dropped peer's id for that user: a viewer's claim closes (4423), and the peer's cursor comes back", async () => {
    const viewerUser = await signUp(workerUrl, "Viewer");
    await alice.request(`/api/documents/${docId}/members`, { body: { user: viewerUser.username, role: "viewer" } });
    const watcher = join(alice);
    await watcher.synced;
    const id = 800_000 + Math.floor(Math.random() * 100_000);
    const peer = await rawSocket(partyUrl, docId, await mallory.roomToken(docId));
    peer.socket.send(awarenessEntryFrame(id, 1, { cursor: cursorAt(7) }));
    await waitFor(() => headOf(watcher.provider.awareness.getStates().get(id)) === 7, "peer's cursor visible");
    // The peer drops (its network goes); the room removes its state.
    peer.socket.terminate();
    await waitFor(() => !watcher.provider.awareness.getStates().has(id), "the peer's cursor left");

    const viewer = await rawSocket(partyUrl, docId, await viewerUser.roomToken(docId));
    viewer.socket.send(awarenessEntryFrame(id, 1_000_000, { cursor: cursorAt(66) }));
    expect((await viewer.closed).code).toBe(CloseCode.ClientIdTaken);
    expect(headOf(watcher.provider.awareness.getStates().get(id))).toBeUndefined();

    // The peer comes back on a new socket, same user, same Yjs client id: its cursor is drawn again.
    const back = await rawSocket(partyUrl, docId, await mallory.roomToken(docId));
    back.socket.send(awarenessEntryFrame(id, 2, { cursor: cursorAt(8) }));
    await waitFor(() => headOf(watcher.provider.awareness.getStates().get(id)) === 8, "the peer's cursor is back");
    back.socket.close();
  });

  it("closes a connection whose awareness state is over the size cap", async () => {
    const attacker = await rawSocket(partyUrl, docId, await mallory.roomToken(docId));
    attacker.socket.send(awarenessEntryFrame(424242, 1, { blob: "x".repeat(MAX_AWARENESS_STATE_BYTES) }));
    expect((await attacker.closed).code).toBe(CloseCode.MessageTooLarge);
  });

  it("closes a flood of awareness updates, and others keep working", async () => {
    const bystander = join(alice);
    const other = join(alice);
    await Promise.all([bystander.synced, other.synced]);
    const attacker = await rawSocket(partyUrl, docId, await mallory.roomToken(docId));
    for (let clock = 1; clock <= 400 && attacker.socket.readyState === attacker.socket.OPEN; clock++) {
      attacker.socket.send(awarenessEntryFrame(525252, clock, { cursor: cursorAt(clock) }));
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
      mover.provider.awareness.setLocalStateField("cursor", cursorAt(position));
      await new Promise((r) => setTimeout(r, 5));
    }
    const head = () => headOf(watcher.provider.awareness.getStates().get(mover.doc.clientID));
    await waitFor(() => head() === 100, "the last position arrives").catch((error) => {
      throw new Error(`${error.message}; the watcher holds head ${head()} after ${received} updates`);
    });
    console.log(`100 cursor moves in ~0.6 s reached the watcher as ${received} updates`);
    expect(received).toBeLessThan(40);
  });
});

describe("what one connection's awareness may cost", () => {
  it("closes a connection that speaks for more client ids than a provider has (4429), and others keep working", async () => {
    const bystander = join(alice);
    const other = join(alice);
    await Promise.all([bystander.synced, other.synced]);
    const attacker = await rawSocket(partyUrl, docId, await mallory.roomToken(docId));
    // The amplification attack: each frame a fresh batch of ids, each drawn as a cursor by everyone.
    const base = 700_000 + Math.floor(Math.random() * 1_000_000);
    for (let batch = 0; batch < 10 && attacker.socket.readyState === attacker.socket.OPEN; batch++) {
      attacker.socket.send(awarenessFrame(Array.from({ length: 20 }, (_, i) => ({ clientId: base + batch * 20 + i, clock: 1, state: { cursor: cursorAt(i) } }))));
      await new Promise((r) => setTimeout(r, 60));
    }
    expect((await attacker.closed).code).toBe(CloseCode.RateLimited);
    await new Promise((r) => setTimeout(r, 200));
    const fake = [...other.provider.awareness.getStates().keys()].filter((id) => id >= base && id < base + 200);
    expect(fake.length).toBeLessThanOrEqual(4);
    bystander.text.insert(0, "ids capped ");
    await waitFor(() => other.text.toString().includes("ids capped"), "edits still flow");
  });

  it("closes a frame with more awareness entries than a room's worth of echoes (4413)", async () => {
    const attacker = await rawSocket(partyUrl, docId, await mallory.roomToken(docId));
    attacker.socket.send(awarenessFrame(Array.from({ length: 300 }, (_, i) => ({ clientId: 900_000 + i, clock: 1, state: {} }))));
    expect((await attacker.closed).code).toBe(CloseCode.MessageTooLarge);
  });

  it("closes a connection that sends more awareness bytes a second than cursors need (4429)", async () => {
    const attacker = await rawSocket(partyUrl, docId, await mallory.roomToken(docId));
    const padding = "x".repeat(MAX_AWARENESS_STATE_BYTES - 100);
    // 100 frames of ~4 KiB a second: under the frame flood limit, over the byte budget.
    for (let clock = 1; clock <= 100 && attacker.socket.readyState === attacker.socket.OPEN; clock++) {
      attacker.socket.send(awarenessEntryFrame(424_000, clock, { padding }));
      await new Promise((r) => setTimeout(r, 10));
    }
    expect((await attacker.closed).code).toBe(CloseCode.RateLimited);
  });

  it.each([
    ["a number", { anchor: 5, head: 5 }],
    ["an anchor only", { anchor: { type: null, tname: "content", item: null, assoc: 0 } }],
    ["a string", "here"],
    ["positions with no fields", { anchor: {}, head: {} }],
    ["a huge nested object", { anchor: { type: null, tname: "content", item: { client: 1, clock: { deep: "x".repeat(2000) } }, assoc: 0 }, head: null }],
  ])("closes a connection whose cursor is %s (4422), and others keep working", async (_, cursor) => {
    const bystander = join(alice);
    const other = join(alice);
    await Promise.all([bystander.synced, other.synced]);
    const attacker = await rawSocket(partyUrl, docId, await mallory.roomToken(docId));
    const id = 600_000 + Math.floor(Math.random() * 100_000);
    attacker.socket.send(awarenessEntryFrame(id, 1, { cursor }));
    expect((await attacker.closed).code).toBe(CloseCode.MalformedMessage);
    expect(other.provider.awareness.getStates().has(id)).toBe(false);
    const line = `cursor refused ${Math.random()}`;
    bystander.text.insert(0, line);
    await waitFor(() => other.text.toString().includes(line), "edits still flow");
  });

  it.each([
    ["a name", "Ada"],
    ["an object", { client: 1 }],
    ["a negative number", -1],
  ])("closes a connection whose `following` is %s (4422); a client id passes", async (_, following) => {
    const watcher = join(alice);
    await watcher.synced;
    const follower = await rawSocket(partyUrl, docId, await mallory.roomToken(docId));
    const followerId = 700_000 + Math.floor(Math.random() * 100_000);
    follower.socket.send(awarenessEntryFrame(followerId, 1, { following: watcher.doc.clientID }));
    await waitFor(() => (watcher.provider.awareness.getStates().get(followerId) as { following?: number } | undefined)?.following === watcher.doc.clientID, "following seen");
    follower.socket.send(awarenessEntryFrame(followerId, 2, { following }));
    expect((await follower.closed).code).toBe(CloseCode.MalformedMessage);
  });
});
