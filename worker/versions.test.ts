import { openDatabase } from "@collab/db";
import { ErrorBody, ErrorCode, VersionDetail, VersionList, VersionSummary } from "@collab/protocol";
import { sql } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { useNodeWebSocket } from "../tools/db/node-websocket.ts";
import { signUp, type TestUser } from "../tools/testing/accounts.ts";
import { connectClient, waitFor, type TestClient } from "../tools/testing/clients.ts";

/**
 * Version history (issue 11) through the REST API, against the real room and database: automatic versions
 * when the last person leaves, named versions, restore as a forward change with concurrent typists, the
 * roles, and hostile ids.
 */
const { workerUrl, partyUrl, databaseUrl, wsProxy } = inject("stack");

const clients: TestClient[] = [];
afterEach(() => clients.splice(0).forEach((client) => client.destroy()));

let owner: TestUser;
let editor: TestUser;
let viewer: TestUser;
let stranger: TestUser;
beforeAll(async () => {
  const users = await Promise.all(["vowner", "veditor", "vviewer", "vstranger"].map((label) => signUp(workerUrl, label)));
  [owner, editor, viewer, stranger] = users as [TestUser, TestUser, TestUser, TestUser];
});

function join(user: TestUser, docId: string): TestClient {
  const client = connectClient(partyUrl, docId, { name: user.username, token: () => user.roomToken(docId) });
  clients.push(client);
  return client;
}

async function sharedDocument(content = ""): Promise<string> {
  const docId = await owner.createDocument({ title: "Versioned", content });
  for (const [user, role] of [[editor, "editor"], [viewer, "viewer"]] as const) {
    const response = await owner.request(`/api/documents/${docId}/members`, { body: { user: user.username, role } });
    expect(response.status).toBe(201);
  }
  return docId;
}

async function versions(user: TestUser, docId: string, query = ""): Promise<VersionList> {
  const response = await user.request(`/api/documents/${docId}/versions${query}`);
  expect(response.status).toBe(200);
  return VersionList.parse(await response.json());
}

async function named(user: TestUser, docId: string, name: string): Promise<Response> {
  return user.request(`/api/documents/${docId}/versions`, { body: { name } });
}

async function errorCode(response: Response): Promise<string> {
  return ErrorBody.parse(await response.json()).error.code;
}

/** A client types `text` at the end and leaves; resolves once the room has it. */
async function typeAndLeave(user: TestUser, docId: string, text: string): Promise<void> {
  const client = join(user, docId);
  await client.synced;
  client.text.insert(client.text.length, text);
  const reader = join(owner, docId);
  await reader.synced;
  await waitFor(() => reader.text.toString().endsWith(text), "the room has the edit");
  client.destroy();
  reader.destroy();
}

describe("automatic versions", () => {
  it("are taken when the last person leaves, with who edited; an unchanged document adds none", async () => {
    const docId = await sharedDocument();
    await typeAndLeave(editor, docId, "first draft\n");
    await expect.poll(async () => (await versions(viewer, docId)).items.length, { timeout: 15_000 }).toBe(1);
    const [auto] = (await versions(viewer, docId)).items;
    expect(auto).toMatchObject({ kind: "auto", name: null, textLength: "first draft\n".length });
    expect(auto!.authors.map((a) => a.id)).toEqual([editor.id]);

    // Everyone leaves again without a change: no second version.
    const idle = join(owner, docId);
    await idle.synced;
    idle.destroy();
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await versions(viewer, docId)).items).toHaveLength(1);
  });
});

describe("named versions", () => {
  it("an editor saves one of the live text; viewers and strangers cannot", async () => {
    const docId = await sharedDocument("hello\n");
    const live = join(editor, docId);
    await live.synced;
    live.text.insert(live.text.length, "live edit\n");
    await waitFor(() => live.provider.synced, "synced");
    await new Promise((r) => setTimeout(r, 300));

    const response = await named(editor, docId, "  before refactor  ");
    expect(response.status).toBe(201);
    const version = VersionSummary.parse(await response.json());
    expect(version).toMatchObject({ kind: "named", name: "before refactor" });
    expect(version.authors.map((a) => a.id)).toContain(editor.id);

    const detail = await editor.request(`/api/documents/${docId}/versions/${version.id}`);
    expect(VersionDetail.parse(await detail.json()).text).toBe("hello\nlive edit\n");

    expect((await named(viewer, docId, "nope")).status).toBe(403);
    const stranger404 = await named(stranger, docId, "nope");
    expect(stranger404.status).toBe(404);
    expect((await stranger.request(`/api/documents/${docId}/versions`)).status).toBe(404);
    expect((await stranger.request(`/api/documents/${docId}/versions/${version.id}`)).status).toBe(404);
  });

  it("refuses bad names and hostile ids with clear errors", async () => {
    const docId = await sharedDocument();
    for (const name of ["", "   ", "x".repeat(101)]) {
      const response = await named(owner, docId, name);
      expect(response.status).toBe(400);
      expect(await errorCode(response)).toBe(ErrorCode.ValidationFailed);
    }
    for (const versionId of ["../../etc", "a%00b", "x".repeat(65), "' or 1=1 --"]) {
      const response = await owner.request(`/api/documents/${docId}/versions/${encodeURIComponent(versionId)}`);
      expect(response.status, versionId).toBe(400);
    }
    expect((await owner.request(`/api/documents/${docId}/versions/unknown_version`)).status).toBe(404);
    expect((await owner.request(`/api/documents/${docId}/versions/unknown_version/restore`, { method: "POST" })).status).toBe(404);
    expect((await owner.request(`/api/documents/${docId}/versions?cursor=not-a-cursor`)).status).toBe(400);
  });

  it("list newest first, a page at a time", async () => {
    const docId = await sharedDocument("text\n");
    const names = ["one", "two", "three", "four", "five"];
    for (const name of names) expect((await named(owner, docId, name)).status).toBe(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: VersionList = await versions(viewer, docId, `?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((v) => v.name ?? ""));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...names].reverse());
  });
});

describe("restore", () => {
  it("writes the old text as a forward change that two typists keep editing through, and records it", async () => {
    const docId = await sharedDocument("line 1\nline 2\nline 3\n");
    const saved = VersionSummary.parse(await (await named(owner, docId, "three lines")).json());
    const [ada, bob] = [join(owner, docId), join(editor, docId)];
    await Promise.all([ada.synced, bob.synced]);
    ada.text.insert(0, "ADA ");
    bob.text.insert(bob.text.length, "bob's tail\n");
    await waitFor(() => ada.text.toString() === bob.text.toString() && ada.text.toString().includes("bob's tail"), "both edits everywhere");

    // Both keep typing while the restore runs.
    let typing = true;
    const typists = [ada, bob].map(async (client, i) => {
      for (let n = 0; typing; n++) {
        client.text.insert(i === 0 ? 0 : client.text.length, i === 0 ? "a" : "b");
        await new Promise((r) => setTimeout(r, 15));
      }
    });
    const response = await editor.request(`/api/documents/${docId}/versions/${saved.id}/restore`, { method: "POST" });
    typing = false;
    await Promise.all(typists);
    expect(response.status).toBe(200);
    const restore = VersionSummary.parse(await response.json());
    expect(restore).toMatchObject({ kind: "restore", name: "Restored from three lines" });
    expect(restore.authors.map((a) => a.id)).toContain(editor.id);

    // Typed after the restore: kept by everyone.
    ada.text.insert(0, "after ");
    await waitFor(() => ada.text.toString() === bob.text.toString() && bob.text.toString().startsWith("after "), "converged after the restore");
    const text = ada.text.toString();
    expect(text).toContain("line 1\nline 2\nline 3\n");
    expect(text).not.toContain("ADA ");
    expect(text).not.toContain("bob's tail");

    // The text the restore replaced is in history too, as an automatic version just before it.
    const list = (await versions(owner, docId)).items;
    expect(list[0]!.id).toBe(restore.id);
    const before = list.find((v) => v.kind === "auto");
    expect(before).toBeDefined();
    const beforeText = VersionDetail.parse(await (await owner.request(`/api/documents/${docId}/versions/${before!.id}`)).json()).text;
    expect(beforeText).toContain("bob's tail");
  });

  it("needs the editor role", async () => {
    const docId = await sharedDocument("x\n");
    const saved = VersionSummary.parse(await (await named(owner, docId, "x")).json());
    expect((await viewer.request(`/api/documents/${docId}/versions/${saved.id}/restore`, { method: "POST" })).status).toBe(403);
  });
});

describe("deleting versions", () => {
  it("the owner deletes a named version; editors cannot; automatic versions cannot be deleted", async () => {
    const docId = await sharedDocument("doc\n");
    const saved = VersionSummary.parse(await (await named(editor, docId, "temp")).json());
    expect((await editor.request(`/api/documents/${docId}/versions/${saved.id}`, { method: "DELETE" })).status).toBe(403);
    expect((await owner.request(`/api/documents/${docId}/versions/${saved.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await owner.request(`/api/documents/${docId}/versions/${saved.id}`, { method: "DELETE" })).status).toBe(404);

    await typeAndLeave(editor, docId, "more\n");
    await expect.poll(async () => (await versions(owner, docId)).items.length, { timeout: 15_000 }).toBe(1);
    const [auto] = (await versions(owner, docId)).items;
    const refused = await owner.request(`/api/documents/${docId}/versions/${auto!.id}`, { method: "DELETE" });
    expect(refused.status).toBe(400);
  });

  it("a trashed document's versions are out of reach, come back with it, and go when it is purged", async () => {
    const docId = await sharedDocument("gone\n");
    expect((await named(owner, docId, "kept?")).status).toBe(201);
    expect((await owner.request(`/api/documents/${docId}`, { method: "DELETE" })).status).toBe(204);
    expect((await owner.request(`/api/documents/${docId}/versions`)).status).toBe(404);
    expect((await owner.request(`/api/documents/${docId}/restore`, { method: "POST" })).status).toBe(200);
    expect((await versions(owner, docId)).items.map((v) => v.name)).toEqual(["kept?"]);

    // The purge (purgeTrash, 30 days after the delete) removes the row: the versions go with it.
    useNodeWebSocket();
    const { db, end } = openDatabase({ databaseUrl, wsProxy });
    try {
      await db.execute(sql`delete from documents where id = ${docId}`);
      const rows = await db.execute(sql`select count(*)::int as n from document_versions where document_id = ${docId}`);
      expect((rows.rows[0] as { n: number }).n).toBe(0);
    } finally {
      await end();
    }
  });
});
