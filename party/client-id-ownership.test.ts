import { CloseCode, DocRoot, MetaKey, ROOM_CLIENT_ID, ROOM_PATH_PREFIX } from "@collab/protocol";
import * as encoding from "lib0/encoding";
import { afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import * as Y from "yjs";
import { signUp, type TestUser } from "../tools/testing/accounts.ts";
import { connectClient, rawSocket, waitFor, waitForAsync, type TestClient } from "../tools/testing/clients.ts";

/**
 * One connection owns the Yjs client ids it writes with. Yjs drops a struct whose (client, clock) it
 * already holds, so an update written under another peer's id made the room drop that peer's real edits
 * as duplicates, and the peer diverged for good.
 */
const { partyUrl, workerUrl, roomTokenSecret, internalSecret } = inject("stack");
const clients: TestClient[] = [];
afterEach(() => clients.splice(0).forEach((client) => client.destroy()));

let alice: TestUser;
let mallory: TestUser;
beforeAll(async () => {
  [alice, mallory] = await Promise.all([signUp(workerUrl, "Alice"), signUp(workerUrl, "Mallory")]);
});

async function sharedDocument(): Promise<string> {
  const docId = await alice.createDocument();
  await alice.request(`/api/documents/${docId}/members`, { body: { user: mallory.username, role: "editor" } });
  return docId;
}

function join(user: TestUser, docId: string): TestClient {
  const client = connectClient(partyUrl, docId, { token: () => user.roomToken(docId) });
  clients.push(client);
  return client;
}

function syncMessage(syncType: 1 | 2, update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 0);
  encoding.writeVarUint(encoder, syncType);
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

/** An update that inserts `text` under `clientId`, after everything `base` holds. */
function forgedInsert(base: Y.Doc, clientId: number, text: string): Uint8Array {
  const forger = new Y.Doc();
  Y.applyUpdate(forger, Y.encodeStateAsUpdate(base));
  // After applying: Yjs gives a doc a fresh id when a remote update carries its own.
  forger.clientID = clientId;
  const before = Y.encodeStateVector(forger);
  forger.getText(DocRoot.content).insert(0, text);
  return Y.encodeStateAsUpdate(forger, before);
}

describe("client id ownership", () => {
  it("closes an editor that writes under another user's client id (4423); the victim's later edits still arrive", async () => {
    const docId = await sharedDocument();
    const victim = join(alice, docId);
    const watcher = join(alice, docId);
    await Promise.all([victim.synced, watcher.synced]);
    victim.text.insert(0, "hello");
    await waitFor(() => watcher.text.toString() === "hello", "first edit");

    const attacker = await rawSocket(partyUrl, docId, await mallory.roomToken(docId));
    attacker.socket.send(syncMessage(2, forgedInsert(victim.doc, victim.doc.clientID, "EVIL ")));
    expect((await attacker.closed).code).toBe(CloseCode.ClientIdTaken);

    // Without ownership the room would now hold the victim's next clocks and drop these as duplicates.
    victim.text.insert(5, " world");
    await waitFor(() => watcher.text.toString() === "hello world", "the victim's edit arrives").catch((error) => {
      throw new Error(`${error.message}: the watcher holds ${JSON.stringify(watcher.text.toString())}`);
    });
    const newcomer = join(mallory, docId);
    await newcomer.synced;
    await waitFor(() => newcomer.text.toString() === "hello world", "the room holds exactly the victim's text");
  });

  it("refuses writes under the room's own client id (4423), so a restore notice under it is the room's alone", async () => {
    const docId = await sharedDocument();
    const watcher = join(alice, docId);
    await watcher.synced;
    const edited = await alice.request(`/api/documents/${docId}`, { method: "PUT", body: { content: "from REST\n" } });
    expect(edited.status).toBe(200);
    await waitFor(() => watcher.text.toString() === "from REST\n", "the REST edit arrives");
    expect(watcher.doc.store.clients.has(ROOM_CLIENT_ID)).toBe(true);

    const forger = new Y.Doc();
    Y.applyUpdate(forger, Y.encodeStateAsUpdate(watcher.doc));
    forger.clientID = ROOM_CLIENT_ID;
    const before = Y.encodeStateVector(forger);
    const forged = { versionId: "v", restoredFrom: "nothing", named: true, userId: alice.id, name: "Alice", at: Date.now() };
    forger.getMap(DocRoot.meta).set(MetaKey.restored, forged);
    const attacker = await rawSocket(partyUrl, docId, await mallory.roomToken(docId));
    attacker.socket.send(syncMessage(2, Y.encodeStateAsUpdate(forger, before)));
    expect((await attacker.closed).code).toBe(CloseCode.ClientIdTaken);
    const newcomer = join(mallory, docId);
    await newcomer.synced;
    expect(newcomer.doc.getMap(DocRoot.meta).has(MetaKey.restored)).toBe(false);
    expect(watcher.doc.getMap(DocRoot.meta).has(MetaKey.restored)).toBe(false);
  });

  it("keeps an offline user's id theirs: another user cannot write under it after they left", async () => {
    const docId = await sharedDocument();
    const victim = join(alice, docId);
    await victim.synced;
    victim.text.insert(0, "draft");
    const watcher = join(mallory, docId);
    await watcher.synced;
    await waitFor(() => watcher.text.toString() === "draft", "first edit");
    victim.stop();
    victim.provider.disconnect();
    // The victim keeps typing offline under its id...
    victim.text.insert(5, " offline");
    await new Promise((r) => setTimeout(r, 300));
    // ...while someone else tries to take the same clocks.
    const attacker = await rawSocket(partyUrl, docId, await mallory.roomToken(docId));
    const base = new Y.Doc();
    Y.applyUpdate(base, Y.encodeStateAsUpdate(watcher.doc));
    attacker.socket.send(syncMessage(2, forgedInsert(base, victim.doc.clientID, "EVIL ")));
    expect((await attacker.closed).code).toBe(CloseCode.ClientIdTaken);
    // The victim comes back: its offline edit arrives.
    const back = await rawSocket(partyUrl, docId, await alice.roomToken(docId));
    back.socket.send(syncMessage(2, Y.encodeStateAsUpdate(victim.doc, Y.encodeStateVector(watcher.doc))));
    await waitFor(() => watcher.text.toString() === "draft offline", "the offline edit arrives");
    back.socket.close();
  });

  it("lets the same user take its id over from a socket that has not closed yet (a reconnect)", async () => {
    const docId = await sharedDocument();
    const watcher = join(mallory, docId);
    await watcher.synced;
    const doc = new Y.Doc();
    const first = await rawSocket(partyUrl, docId, await alice.roomToken(docId));
    doc.getText(DocRoot.content).insert(0, "one ");
    first.socket.send(syncMessage(2, Y.encodeStateAsUpdate(doc)));
    await waitFor(() => watcher.text.toString() === "one ", "first socket's edit");
    // The old socket is still open (its close has not arrived) when the new one re-sends and continues.
    const second = await rawSocket(partyUrl, docId, await alice.roomToken(docId));
    doc.getText(DocRoot.content).insert(4, "two");
    second.socket.send(syncMessage(2, Y.encodeStateAsUpdate(doc)));
    await waitFor(() => watcher.text.toString() === "one two", "second socket's edit");
    expect(second.socket.readyState).toBe(second.socket.OPEN);
    first.socket.close();
    second.socket.close();
  });

  it("accepts a sync step 2 that repeats structs the room already has, whoever wrote them", async () => {
    const docId = await sharedDocument();
    const author = join(alice, docId);
    await author.synced;
    author.text.insert(0, "written by alice");
    const copy = join(mallory, docId);
    await copy.synced;
    await waitFor(() => copy.text.toString() === "written by alice", "copy synced");
    const resender = await rawSocket(partyUrl, docId, await mallory.roomToken(docId));
    resender.socket.send(syncMessage(2, Y.encodeStateAsUpdate(copy.doc)));
    author.text.insert(0, "still ");
    await waitFor(() => copy.text.toString() === "still written by alice", "later edits flow");
    expect(resender.socket.readyState).toBe(resender.socket.OPEN);
    resender.socket.close();
  });

  it("records who first wrote under each client id in room storage", async () => {
    const docId = await sharedDocument();
    const author = join(alice, docId);
    await author.synced;
    const startedAt = Date.now();
    author.text.insert(0, "mine");
    const writers = async () => {
      const response = await fetch(`${partyUrl}${ROOM_PATH_PREFIX}${docId}`, { headers: { authorization: `Bearer ${internalSecret}` } });
      return ((await response.json()) as { writers: Record<string, { userId: string; firstSeen: number }> }).writers;
    };
    await waitForAsync(async () => (await writers())[author.doc.clientID] !== undefined, "the writer is recorded");
    const record = (await writers())[author.doc.clientID]!;
    expect(record.userId).toBe(alice.id);
    expect(record.firstSeen).toBeGreaterThanOrEqual(startedAt - 1_000);
  });
});
