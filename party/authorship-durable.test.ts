import { ROOM_PATH_PREFIX } from "@collab/protocol";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuthorshipResponse } from "@collab/protocol";
import { lineAuthors } from "@collab/protocol/line-authors";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signUp, type TestUser } from "../tools/testing/accounts.ts";
import { connectClient, waitFor, type TestClient } from "../tools/testing/clients.ts";
import { freePort, type Service } from "../tools/stack/service.ts";
import { startParty } from "../tools/stack/servers.ts";

/**
 * Who wrote what (issue 11): the room attributes each line to the verified user whose connection wrote it,
 * and that survives a reconnect, a SIGKILL of the party (room storage) and the loss of room storage (the
 * Postgres copy). On a party of its own; the REST route on the shared stack.
 */
const { databaseUrl, wsProxy, workerUrl, partyUrl: stackPartyUrl, roomTokenSecret, internalSecret } = inject("stack");
const persistDir = mkdtempSync(join(tmpdir(), "collab-authorship-"));
let party: Service | undefined;
let partyUrl = "";
let ada: TestUser;
let bob: TestUser;
const clients: TestClient[] = [];

async function restartParty(): Promise<void> {
  await party?.kill();
  const port = await freePort();
  party = await startParty({ databaseUrl, wsProxy, roomTokenSecret, internalSecret, port, persistDir, vars: { SNAPSHOT_DEBOUNCE_MS: "100" }, quiet: process.env.STACK_LOGS !== "1" });
  partyUrl = `http://127.0.0.1:${port}`;
}

beforeAll(async () => {
  [ada, bob] = (await Promise.all([signUp(workerUrl, "Ada"), signUp(workerUrl, "Bob")])) as [TestUser, TestUser];
  await restartParty();
}, 120_000);
afterAll(async () => {
  clients.forEach((client) => client.destroy());
  await party?.stop();
  rmSync(persistDir, { recursive: true, force: true });
});

function join_(user: TestUser, docId: string, url = partyUrl): TestClient {
  const client = connectClient(url, docId, { token: () => user.roomToken(docId) });
  clients.push(client);
  return client;
}

/** The room's answer: one `{ userId, at }` per line. */
async function roomAuthors(docId: string): Promise<(string | null)[]> {
  const response = await fetch(`${partyUrl}${ROOM_PATH_PREFIX}${docId}?view=authorship`, { headers: { authorization: `Bearer ${internalSecret}` } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { lines: { userId: string | null }[] }).lines.map((line) => line.userId);
}

/** Ada writes the first line and Bob the second, each through their own connection; then both leave. */
async function twoWriters(url = partyUrl): Promise<string> {
  const docId = await ada.createDocument({ title: "Who wrote what", content: "written before\n" });
  const invite = await ada.request(`/api/documents/${docId}/members`, { body: { user: bob.username, role: "editor" } });
  expect(invite.status).toBe(201);
  const [a, b] = [join_(ada, docId, url), join_(bob, docId, url)];
  await Promise.all([a.synced, b.synced]);
  a.text.insert(a.text.length, "ada's line\n");
  await waitFor(() => b.text.toString().endsWith("ada's line\n"), "Bob sees Ada's line");
  b.text.insert(b.text.length, "bob's line\n");
  await waitFor(() => a.text.toString().endsWith("bob's line\n"), "Ada sees Bob's line");
  a.destroy();
  b.destroy();
  return docId;
}

describe("authorship", () => {
  it("names the writer of each line through a reconnect, a SIGKILL, and the loss of room storage", async () => {
    const docId = await twoWriters();
    const expected = [null, ada.id, bob.id, null];
    expect(await roomAuthors(docId)).toEqual(expected);

    // Everyone reconnects: unchanged.
    const again = join_(bob, docId);
    await again.synced;
    again.destroy();
    expect(await roomAuthors(docId)).toEqual(expected);

    // SIGKILL: the records come back from room storage.
    await restartParty();
    expect(await roomAuthors(docId)).toEqual(expected);

    // Room storage lost: they come back from Postgres (copied after each snapshot, 100 ms after the edits).
    await new Promise((r) => setTimeout(r, 1_500));
    await party!.kill();
    rmSync(persistDir, { recursive: true, force: true });
    await restartParty();
    expect(await roomAuthors(docId)).toEqual(expected);
  }, 120_000);

  it("GET /api/documents/{id}/authorship: names, colours and times for members, 404 for strangers", async () => {
    const docId = await twoWriters(stackPartyUrl);
    const response = await bob.request(`/api/documents/${docId}/authorship`);
    expect(response.status).toBe(200);
    const { lines } = AuthorshipResponse.parse(await response.json());
    expect(lines.map((line) => line.author?.displayName ?? null)).toEqual([null, "Ada", "Bob", null]);
    expect(lines[1]!.author!.color).toMatch(/^#/);
    expect(Date.parse(lines[2]!.at!)).toBeGreaterThan(Date.now() - 60_000);
    const stranger = await signUp(workerUrl, "Stranger");
    expect((await stranger.request(`/api/documents/${docId}/authorship`)).status).toBe(404);
  });

  it("hands out the writer records, from which a client's own copy gives the same lines", async () => {
    const docId = await twoWriters(stackPartyUrl);
    const { lines, writers } = AuthorshipResponse.parse(await (await bob.request(`/api/documents/${docId}/authorship`)).json());
    // One record per writing client: Ada's and Bob's connections (the seed text was the room's own write).
    expect(writers.map((writer) => writer.user.displayName).sort()).toEqual(["Ada", "Bob"]);
    for (const writer of writers) expect(writer.stretches[0]![1]).toBeGreaterThan(Date.now() - 60_000);
    // A fresh copy of the document (as a browser holds it) and the records: the room's lines, again.
    const copy = join_(bob, docId, stackPartyUrl);
    await copy.synced;
    const records = new Map(writers.map(({ clientId, user, firstSeen, stretches }) => [clientId, { userId: user.id, firstSeen, stretches }]));
    const recomputed = lineAuthors(copy.doc, records);
    expect(recomputed.map(({ userId, at }) => ({ id: userId, at: at === null ? null : new Date(at).toISOString() }))).toEqual(
      lines.map(({ author, at }) => ({ id: author?.id ?? null, at })),
    );
    copy.destroy();
  });
});
