import { ActiveUsersResponse, PRESENCE_EVENT, PresenceResponse } from "@collab/protocol";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { signUp, type TestUser } from "../tools/testing/accounts.ts";
import { connectClient, waitFor, waitForAsync, type TestClient } from "../tools/testing/clients.ts";
import { seededRandom } from "../tools/testing/random.ts";
import { freePort } from "../tools/stack/service.ts";
import { startParty } from "../tools/stack/servers.ts";

/** Presence across rooms, through the stack's backend (Redis when REDIS_URL is set, else the lobby party). */
const { partyUrl, workerUrl, databaseUrl, wsProxy, roomTokenSecret, internalSecret, upstash } = inject("stack");
const clients: TestClient[] = [];
afterEach(() => clients.splice(0).forEach((client) => client.destroy()));

let owner: TestUser;
let members: TestUser[];
let stranger: TestUser;
let docIds: string[];
beforeAll(async () => {
  const users = await Promise.all(["owner", "stranger", "amy", "ben", "cat"].map((label) => signUp(workerUrl, label)));
  [owner, stranger] = [users[0]!, users[1]!];
  members = users.slice(2);
  docIds = await Promise.all(Array.from({ length: 5 }, (_, i) => owner.createDocument({ title: `doc ${i}` })));
  for (const docId of docIds) {
    for (const member of members) await owner.request(`/api/documents/${docId}/members`, { body: { user: member.username, role: "editor" } });
  }
});

function join(user: TestUser, docId: string, url = partyUrl): TestClient {
  const client = connectClient(url, docId, { token: () => user.roomToken(docId) });
  clients.push(client);
  return client;
}

async function presence(user: TestUser): Promise<PresenceResponse> {
  const response = await user.request("/api/presence");
  expect(response.status).toBe(200);
  return PresenceResponse.parse(await response.json());
}

/** docId -> userId -> connections, in a stable order. */
type Expected = Record<string, Record<string, number>>;
function normalize(body: PresenceResponse): Expected {
  const out: Expected = {};
  for (const doc of body.documents) out[doc.id] = Object.fromEntries(doc.users.map((user) => [user.id, user.connections]).sort());
  return Object.fromEntries(Object.entries(out).sort());
}

describe("presence across rooms", () => {
  it("matches exactly who is connected after 20 clients join and leave across 5 documents at random", async () => {
    const random = seededRandom("presence");
    const everyone = [owner, ...members];
    const open: { user: TestUser; docId: string; client: TestClient }[] = [];
    for (let step = 0; step < 60; step++) {
      if (open.length < 20 && (open.length === 0 || random.next() < 0.6)) {
        const user = random.pick(everyone);
        const docId = random.pick(docIds);
        open.push({ user, docId, client: join(user, docId) });
      } else {
        const [leaving] = open.splice(Math.floor(random.next() * open.length), 1);
        leaving!.client.destroy();
      }
      if (step % 10 === 9) await Promise.all(open.map(({ client }) => client.synced));
    }
    await Promise.all(open.map(({ client }) => client.synced));
    const expected: Expected = {};
    for (const { user, docId } of open) (expected[docId] ??= {})[user.id] = ((expected[docId] ?? {})[user.id] ?? 0) + 1;
    const want = normalize({ documents: Object.entries(expected).map(([id, users]) => ({ id, users: Object.entries(users).map(([uid, connections]) => ({ id: uid, name: "", color: "", connections })) })) });

    let got: Expected = {};
    const matches = async () => JSON.stringify((got = normalize(await presence(owner)))) === JSON.stringify(want);
    const ms = await waitForAsync(matches, "presence matches", 8_000, 100).catch((error) => {
      throw new Error(`seed ${random.seed}: ${error.message}\nwant ${JSON.stringify(want)}\ngot  ${JSON.stringify(got)}`);
    });
    console.log(`presence settled ${ms.toFixed(0)} ms after the last join/leave (${open.length} clients open)`);

    for (const docId of docIds) {
      const response = await owner.request(`/api/documents/${docId}/users`);
      const users = ActiveUsersResponse.parse(await response.json()).users;
      expect(Object.fromEntries(users.map((user) => [user.id, user.connections])), `seed ${random.seed}, ${docId}`).toEqual(expected[docId] ?? {});
    }
    // Names come from accounts, and nobody sees rooms they have no role in.
    const body = await presence(owner);
    for (const doc of body.documents) for (const user of doc.users) expect(everyone.find((u) => u.id === user.id)?.displayName).toBe(user.name);
    expect((await presence(stranger)).documents).toEqual([]);
  });

  it("streams joins and leaves to the document list within 2 s", async () => {
    const controller = new AbortController();
    const response = await fetch(`${workerUrl}/api/presence/stream`, {
      headers: { authorization: `Bearer ${owner.token}`, "cf-connecting-ip": owner.ip },
      signal: controller.signal,
    });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const events: PresenceResponse[] = [];
    const reading = (async () => {
      const decoder = new TextDecoder();
      let buffer = "";
      for await (const chunk of response.body! as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!block.includes(`event: ${PRESENCE_EVENT}`)) continue;
          const data = block.split("\n").filter((line) => line.startsWith("data: ")).map((line) => line.slice(6)).join("\n");
          events.push(PresenceResponse.parse(JSON.parse(data)));
        }
      }
    })().catch(() => {});
    try {
      await waitFor(() => events.length > 0, "the first event comes at once", 5_000);
      const docId = docIds[0]!;
      const inDoc = () => events.at(-1)!.documents.find((doc) => doc.id === docId)?.users.some((user) => user.id === members[0]!.id) ?? false;
      await waitFor(() => !inDoc(), "amy is not in the document yet", 10_000);
      const joinedAt = performance.now();
      const client = join(members[0]!, docId);
      await client.synced;
      const joinMs = await waitFor(inDoc, "amy's join is streamed", 2_000);
      const leftAt = performance.now();
      client.destroy();
      const leaveMs = await waitFor(() => !inDoc(), "amy's leave is streamed", 2_000);
      console.log(`stream: join shown ${joinMs.toFixed(0)} ms after the client synced (${(leftAt - joinedAt).toFixed(0)} ms after connecting), leave ${leaveMs.toFixed(0)} ms after close`);
    } finally {
      controller.abort();
      await reading;
    }
  });
});

describe.skipIf(!upstash && process.env.CI !== "true")("when a room's process dies (Redis backend)", () => {
  const persistDir = mkdtempSync(joinPath(tmpdir(), "collab-presence-"));
  afterAll(() => rmSync(persistDir, { recursive: true, force: true }));

  it("its users vanish within the presence TTL", async () => {
    if (!upstash) throw new Error("CI must run the stack with REDIS_URL so presence uses Redis");
    const port = await freePort();
    const party = await startParty({
      databaseUrl, wsProxy, roomTokenSecret, internalSecret, port, persistDir, quiet: process.env.STACK_LOGS !== "1",
      vars: { PRESENCE_TTL_SECONDS: "3", UPSTASH_REDIS_REST_URL: upstash.url, UPSTASH_REDIS_REST_TOKEN: upstash.token },
    });
    try {
      const docId = docIds[4]!;
      const client = join(members[1]!, docId, `http://127.0.0.1:${port}`);
      await client.synced;
      const seen = async () => (await presence(owner)).documents.some((doc) => doc.id === docId);
      await waitForAsync(seen, "the user shows up", 5_000, 100);
      client.stop();
      await party.kill();
      const vanishedMs = await waitForAsync(async () => !(await seen()), "the user vanishes", 6_000, 100);
      console.log(`users of a killed room vanished ${vanishedMs.toFixed(0)} ms after the kill (TTL 3 s)`);
    } finally {
      await party.stop();
    }
  });
});
