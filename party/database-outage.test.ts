import { CloseCode, DocumentDetail } from "@collab/protocol";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseDatabaseUrl } from "../tools/db/database-url.ts";
import { startWsProxy, type WsProxy } from "../tools/db/ws-proxy.ts";
import { signUp, type TestUser } from "../tools/testing/accounts.ts";
import { connectClient, rawSocket, waitFor } from "../tools/testing/clients.ts";
import { freePort, type Service } from "../tools/stack/service.ts";
import { startParty } from "../tools/stack/servers.ts";

/**
 * The database goes away and comes back. This party reaches Postgres through a proxy of its own, which the
 * test stops and restarts on the same port; the worker keeps its own path to the database, to look.
 */
const { databaseUrl, workerUrl, roomTokenSecret, internalSecret } = inject("stack");
const persistDir = mkdtempSync(join(tmpdir(), "collab-outage-"));
const target = parseDatabaseUrl(databaseUrl);
let proxyPort = 0;
let proxy: WsProxy | undefined;
let party: Service | undefined;
let partyUrl = "";

const databaseUp = async () => void (proxy = await startWsProxy({ port: proxyPort, target }));
const databaseDown = async () => void (await proxy?.stop(), (proxy = undefined));

async function startOurParty(): Promise<void> {
  await party?.kill();
  const port = await freePort();
  party = await startParty({
    databaseUrl,
    roomTokenSecret, internalSecret,
    wsProxy: `127.0.0.1:${proxyPort}`,
    port,
    persistDir,
    vars: { LOAD_TIMEOUT_MS: "3000", SNAPSHOT_DEBOUNCE_MS: "200" },
    quiet: process.env.STACK_LOGS !== "1",
  });
  partyUrl = `http://127.0.0.1:${port}`;
}

let owner: TestUser;
const client = (docId: string) => connectClient(partyUrl, docId, { token: () => owner.roomToken(docId) });

async function savedText(docId: string): Promise<string | undefined> {
  const response = await owner.request(`/api/documents/${docId}`);
  return response.status === 200 ? DocumentDetail.parse(await response.json()).text : undefined;
}

async function eventuallySaved(docId: string, text: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await savedText(docId)) !== text) {
    if (Date.now() > deadline) throw new Error(`Postgres never got ${JSON.stringify(text)} for ${docId}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => void (owner = await signUp(workerUrl, "outage")));

afterAll(async () => {
  await party?.stop();
  await databaseDown();
  rmSync(persistDir, { recursive: true, force: true });
});

describe("when the database is down", () => {
  it("refuses to serve a document it cannot load, then serves the real one once the database is back", async () => {
    proxyPort = await freePort();
    await databaseUp();
    await startOurParty();
    const docId = await owner.createDocument();
    const writer = client(docId);
    await writer.synced;
    writer.text.insert(0, "the real document");
    writer.destroy();
    await eventuallySaved(docId, "the real document", 10_000);

    // Room storage gone and the database unreachable: the room cannot know the document.
    await party!.kill();
    rmSync(persistDir, { recursive: true, force: true });
    await databaseDown();
    await startOurParty();
    const refused = await rawSocket(partyUrl, docId, await owner.roomToken(docId));
    expect((await refused.closed).code).toBe(CloseCode.RoomUnavailable);

    await databaseUp();
    const reader = client(docId);
    try {
      await reader.synced;
      expect(reader.text.toString()).toBe("the real document");
    } finally {
      reader.destroy();
    }
  }, 90_000);

  it("keeps unsaved edits and saves them when the database is back", async () => {
    const docId = await owner.createDocument();
    const writer = client(docId);
    await writer.synced;
    writer.text.insert(0, "before the outage. ");
    await eventuallySaved(docId, "before the outage. ", 10_000);

    await databaseDown();
    writer.text.insert(writer.text.length, "typed while Postgres was away.");
    await waitFor(() => writer.text.length > 30, "edit applied");
    writer.destroy(); // the last client leaves: the save fails and is retried with backoff
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await savedText(docId)).toBe("before the outage. ");

    await databaseUp();
    await eventuallySaved(docId, "before the outage. typed while Postgres was away.", 40_000);
  }, 60_000);

  it("gets edits into Postgres after the party was SIGKILLed while their save was failing, without their writer", async () => {
    const docId = await owner.createDocument();
    const writer = client(docId);
    await writer.synced;
    writer.text.insert(0, "saved before. ");
    await eventuallySaved(docId, "saved before. ", 10_000);

    await databaseDown();
    writer.text.insert(writer.text.length, "typed while Postgres was away, then the party died.");
    await waitFor(() => writer.text.length > 40, "edit applied");
    // The save fails (debounce 200 ms, then retries) and an alarm is set for the retry.
    await new Promise((r) => setTimeout(r, 1_500));
    writer.destroy();
    await party!.kill();

    await databaseUp();
    await startOurParty();
    const full = "saved before. typed while Postgres was away, then the party died.";
    // Nobody connects: only the room's alarm could wake it. partykit dev 0.0.115 was not seen to run an
    // alarm set before the restart, so the proof that counts is the next wake-up: a reader that brings
    // nothing (a fresh client, the writer is gone) opens the document, and the room saves what its storage holds.
    const started = performance.now();
    const byAlarm = await eventuallySaved(docId, full, 10_000).then(() => true, () => false);
    console.log(byAlarm ? `saved by the alarm ${(performance.now() - started).toFixed(0)} ms after the restart` : "no alarm ran within 10 s of the restart");
    if (!byAlarm) {
      const reader = client(docId);
      try {
        await reader.synced;
        expect(reader.text.toString()).toBe(full);
        const opened = performance.now();
        await eventuallySaved(docId, full, 30_000);
        console.log(`saved ${(performance.now() - opened).toFixed(0)} ms after a reader opened the document`);
      } finally {
        reader.destroy();
      }
    }
  }, 120_000);
});
