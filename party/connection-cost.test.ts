import { CloseCode, DocRoot } from "@collab/protocol";
import * as encoding from "lib0/encoding";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import * as Y from "yjs";
import { signUp, type TestUser } from "../tools/testing/accounts.ts";
import { connectClient, rawSocket, waitFor, type RawSocket, type TestClient } from "../tools/testing/clients.ts";
import { freePort, type Service } from "../tools/stack/service.ts";
import { startParty } from "../tools/stack/servers.ts";
import { awarenessEntryFrame } from "../tools/testing/fault/frames.ts";

/**
 * What one connection may cost the room, whatever its role: what is queued for a peer that does not read,
 * what it may send per second, and what a viewer's writes cost. On a party of its own with a small
 * slow-reader bound, so the attacks finish in seconds.
 */
const SLOW_READER_BYTES = 3_000_000;
const { databaseUrl, wsProxy, workerUrl, roomTokenSecret, internalSecret } = inject("stack");
const persistDir = mkdtempSync(join(tmpdir(), "collab-cost-"));
let party: Service;
let partyUrl = "";
let owner: TestUser;
let reader: TestUser;
const clients: TestClient[] = [];

beforeAll(async () => {
  const port = await freePort();
  [party, owner, reader] = await Promise.all([
    startParty({
      databaseUrl, wsProxy, roomTokenSecret, internalSecret, port, persistDir,
      vars: { SLOW_READER_BYTES: String(SLOW_READER_BYTES), MAX_DOCUMENT_BYTES: "2000000" },
      quiet: process.env.STACK_LOGS !== "1",
    }),
    signUp(workerUrl, "cost"),
    signUp(workerUrl, "reader"),
  ]);
  partyUrl = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  clients.forEach((client) => client.destroy());
  await party?.stop();
  rmSync(persistDir, { recursive: true, force: true });
});

function join_(user: TestUser, docId: string): TestClient {
  const client = connectClient(partyUrl, docId, { token: () => user.roomToken(docId) });
  clients.push(client);
  return client;
}

async function documentWith(role: "viewer" | "editor", content = ""): Promise<string> {
  const docId = await owner.createDocument(content ? { content } : undefined);
  await owner.request(`/api/documents/${docId}/members`, { body: { user: reader.username, role } });
  return docId;
}

function syncMessage(syncType: 0 | 1 | 2, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 0);
  encoding.writeVarUint(encoder, syncType);
  encoding.writeVarUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}

/** Resident memory of the party's process group (partykit and its workerd), in MB. */
async function partyRssMb(): Promise<number> {
  try {
    const { stdout } = await promisify(execFile)("ps", ["-o", "rss=", "-g", String(party.child.pid)], { encoding: "utf8" });
    return Math.round(stdout.split("\n").reduce((sum, line) => sum + (Number(line.trim()) || 0), 0) / 1024);
  } catch {
    return Number.NaN;
  }
}

function pause(socket: RawSocket): void {
  (socket.socket as unknown as { _socket: Socket })._socket.pause();
}

function resume(socket: RawSocket): void {
  (socket.socket as unknown as { _socket: Socket })._socket.resume();
}

describe("a peer that does not read", () => {
  it("is closed with 4504 once it owes more than the bound, while it keeps pinging awareness", async () => {
    // ~600 KB of text: every sync step 1 the attacker sends makes the room send it all of it again.
    const docId = await documentWith("viewer", "0123456789abcdef\n".repeat(29_000));
    const honest = join_(owner, docId);
    await honest.synced;
    const attacker = await rawSocket(partyUrl, docId, await reader.roomToken(docId));
    const rssBefore = await partyRssMb();
    pause(attacker);
    const emptyStateVector = Y.encodeStateVector(new Y.Doc());
    let clock = 0;
    let peakRss = rssBefore;
    const started = performance.now();
    const ping = setInterval(() => {
      if (attacker.socket.readyState !== attacker.socket.OPEN) return;
      attacker.socket.send(awarenessEntryFrame(515_151, ++clock, { cursor: null }));
      attacker.socket.send(syncMessage(0, emptyStateVector));
    }, 200);
    const sampling = setInterval(() => void partyRssMb().then((rss) => (peakRss = Math.max(peakRss, rss))), 1_000);
    try {
      // The room's close reaches the attacker only once it reads again: watch the room's side instead.
      const gone = async () => {
        const response = await fetch(`${partyUrl}/parties/main/${docId}`, { headers: { authorization: `Bearer ${internalSecret}` } });
        const { users } = (await response.json()) as { users: { id: string }[] };
        return !users.some((user) => user.id === reader.id);
      };
      while (!(await gone())) {
        if (performance.now() - started > 45_000) throw new Error(`the slow reader was not closed in 45 s (party RSS ${await partyRssMb()} MB)`);
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      clearInterval(ping);
      clearInterval(sampling);
    }
    const closedAfterMs = performance.now() - started;
    resume(attacker);
    expect((await attacker.closed).code).toBe(CloseCode.SlowReader);
    console.log(
      `slow reader closed after ${closedAfterMs.toFixed(0)} ms and ${clock} pings; party RSS ${rssBefore} MB before, ${peakRss} MB at peak, ${await partyRssMb()} MB after (bound ${SLOW_READER_BYTES} bytes)`,
    );
    honest.text.insert(0, "still editing ");
    const check = join_(owner, docId);
    await check.synced;
    await waitFor(() => check.text.toString().startsWith("still editing "), "the others keep editing");
  }, 90_000);

  it("shares one bound with the same user's other sockets that do not read", async () => {
    // ~600 KB of text; each socket asks for it twice (~1.2 MB owed, under the bound), four of them ~4.8 MB.
    const docId = await documentWith("viewer", "0123456789abcdef\n".repeat(29_000));
    const token = await reader.roomToken(docId);
    const sockets = await Promise.all([0, 1, 2, 3].map(() => rawSocket(partyUrl, docId, token)));
    const emptyStateVector = Y.encodeStateVector(new Y.Doc());
    for (const socket of sockets) {
      pause(socket);
      socket.socket.send(syncMessage(0, emptyStateVector));
      socket.socket.send(syncMessage(0, emptyStateVector));
    }
    const connections = async () => {
      const response = await fetch(`${partyUrl}/parties/main/${docId}`, { headers: { authorization: `Bearer ${internalSecret}` } });
      const { users } = (await response.json()) as { users: { id: string; connections: number }[] };
      return users.find((user) => user.id === reader.id)?.connections ?? 0;
    };
    const started = performance.now();
    while ((await connections()) === sockets.length) {
      if (performance.now() - started > 20_000) throw new Error("none of the four sockets was closed in 20 s");
      await new Promise((r) => setTimeout(r, 100));
    }
    sockets.forEach(resume);
    await new Promise((r) => setTimeout(r, 1_000));
    const closed = sockets.filter((socket) => socket.socket.readyState !== socket.socket.OPEN);
    const codes = await Promise.all(closed.map((socket) => socket.closed));
    console.log(`one user's four unread sockets: ${closed.length} closed (${codes.map((c) => c.code).join(", ")}), ${sockets.length - closed.length} kept`);
    expect(closed.length).toBeGreaterThanOrEqual(1);
    expect(closed.length).toBeLessThan(sockets.length);
    for (const { code, reason } of codes) {
      expect(code).toBe(CloseCode.SlowReader);
      expect(reason).toMatch(/your connections owe/);
    }
    sockets.forEach((socket) => socket.socket.terminate());
  }, 60_000);

  it("keeps a peer that reads, however much it is sent (it answers the room's probes)", async () => {
    const docId = await documentWith("editor");
    const writer = join_(owner, docId);
    const watcher = join_(reader, docId);
    await Promise.all([writer.synced, watcher.synced]);
    let closedWith: number | undefined;
    watcher.provider.on("connection-close", (event: { code: number } | null) => (closedWith = event?.code));
    // 8 x 500 KB inserted and deleted again: 4 MB sent to the watcher, past the 3 MB bound.
    const chunk = "x".repeat(500_000);
    for (let round = 0; round < 8; round++) {
      writer.text.insert(0, chunk);
      await waitFor(() => watcher.text.length === chunk.length, `round ${round} arrives`, 15_000);
      writer.text.delete(0, chunk.length);
      await waitFor(() => watcher.text.length === 0, `round ${round} deleted`, 15_000);
    }
    expect(closedWith).toBeUndefined();
    expect(watcher.provider.wsconnected).toBe(true);
  });
});

describe("what one connection may send", () => {
  it("closes a connection over the message rate (4429)", async () => {
    const docId = await documentWith("editor", "some text\n");
    const attacker = await rawSocket(partyUrl, docId, await reader.roomToken(docId));
    const step1 = syncMessage(0, Y.encodeStateVector(new Y.Doc()));
    for (let i = 0; i < 30_000 && attacker.socket.readyState === attacker.socket.OPEN; i++) attacker.socket.send(step1);
    const closed = await attacker.closed;
    expect(closed.code).toBe(CloseCode.RateLimited);
    expect(closed.reason).toContain("messages");
  });

  it("closes a connection over the byte rate (4429)", async () => {
    const docId = await documentWith("editor");
    const attacker = await rawSocket(partyUrl, docId, await reader.roomToken(docId));
    const doc = new Y.Doc();
    doc.getText(DocRoot.content).insert(0, "y".repeat(900_000));
    // The same valid 900 KB update again and again: the document does not grow, the bytes still count.
    const update = syncMessage(2, Y.encodeStateAsUpdate(doc));
    for (let i = 0; i < 8 && attacker.socket.readyState === attacker.socket.OPEN; i++) {
      attacker.socket.send(update);
      await new Promise((r) => setTimeout(r, 20));
    }
    const closed = await attacker.closed;
    expect(closed.code).toBe(CloseCode.RateLimited);
    expect(closed.reason).toContain("bytes");
  });

  it("closes an editor whose updates carry more structs than it may send (4429); the others keep editing", async () => {
    const docId = await documentWith("editor");
    const writer = join_(owner, docId);
    const watcher = join_(owner, docId);
    await Promise.all([writer.synced, watcher.synced]);
    // ~90k one-character items at position 0 (none merge): just under 1 MB, the most one frame may carry,
    // and over the default burst of 50,000 structs.
    const tiny = new Y.Doc();
    tiny.transact(() => {
      for (let i = 0; i < 90_000; i++) tiny.getText(DocRoot.content).insert(0, "z");
    });
    const flood = syncMessage(2, Y.encodeStateAsUpdate(tiny));
    const attacker = await rawSocket(partyUrl, docId, await reader.roomToken(docId));
    attacker.socket.send(flood);
    const closed = await attacker.closed;
    expect(closed.code).toBe(CloseCode.RateLimited);
    expect(closed.reason).toContain("structs");
    writer.text.insert(0, "still here");
    await waitFor(() => watcher.text.toString() === "still here", "the others keep editing");
  });

  it("never touches honest typing or a big paste", async () => {
    const docId = await documentWith("editor");
    const typist = join_(reader, docId);
    const watcher = join_(owner, docId);
    await Promise.all([typist.synced, watcher.synced]);
    let closedWith: number | undefined;
    typist.provider.on("connection-close", (event: { code: number } | null) => (closedWith = event?.code));
    // 400 keystrokes at ~100 a second (far beyond a human), each with a cursor move; then a 900 KB paste.
    for (let i = 0; i < 400; i++) {
      typist.text.insert(typist.text.length, "k");
      typist.provider.awareness.setLocalStateField("tick", i);
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 100));
    }
    typist.text.insert(0, "p".repeat(900_000));
    await waitFor(() => watcher.text.length === 900_400, "everything arrives", 20_000);
    expect(closedWith).toBeUndefined();
  });
});

describe("a viewer's writes", () => {
  it("are dropped on their header alone: a viewer's garbage update is never decoded, so never a 4422", async () => {
    const docId = await documentWith("viewer", "viewed\n");
    const viewer = await rawSocket(partyUrl, docId, await reader.roomToken(docId));
    viewer.socket.send(syncMessage(2, new Uint8Array([0xff, 0xff, 0xff, 0x01, 0x02])));
    viewer.socket.send(syncMessage(1, new Uint8Array([0xff, 0x00])));
    // The viewer's step 1 is still answered: its connection lives and reads.
    viewer.received.length = 0;
    viewer.socket.send(syncMessage(0, Y.encodeStateVector(new Y.Doc())));
    await waitFor(() => viewer.received.length > 0, "the room answers the viewer's step 1");
    expect(viewer.socket.readyState).toBe(viewer.socket.OPEN);
    viewer.socket.close();
  });

  it("cost the editors nothing: edits keep flowing while a viewer sends updates of many tiny structs", async () => {
    const docId = await documentWith("viewer");
    const writer = join_(owner, docId);
    const watcher = join_(owner, docId);
    await Promise.all([writer.synced, watcher.synced]);
    // ~90k one-character items at position 0 (none merge): just under 1 MB, the most one frame may carry.
    const tiny = new Y.Doc();
    tiny.transact(() => {
      for (let i = 0; i < 90_000; i++) tiny.getText(DocRoot.content).insert(0, "z");
    });
    const flood = syncMessage(2, Y.encodeStateAsUpdate(tiny));
    const viewer = await rawSocket(partyUrl, docId, await reader.roomToken(docId));
    const latencies: number[] = [];
    const sending = (async () => {
      for (let i = 0; i < 20 && viewer.socket.readyState === viewer.socket.OPEN; i++) {
        viewer.socket.send(flood);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      writer.text.insert(writer.text.length, String(i % 10));
      await waitFor(() => watcher.text.length === i + 1, `edit ${i} arrives`, 20_000);
      latencies.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 50));
    }
    await sending;
    const worst = Math.max(...latencies);
    console.log(`viewer flood of ${flood.byteLength} byte frames: worst edit latency ${worst.toFixed(0)} ms; viewer ${viewer.socket.readyState === viewer.socket.OPEN ? "still open" : `closed ${(await viewer.closed).code}`}`);
    expect(worst).toBeLessThan(1_000);
    expect((await viewer.closed).code).toBe(CloseCode.RateLimited);
  });
});
