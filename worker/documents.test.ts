import { openDatabase } from "@collab/db";
import {
  ActiveUsersResponse,
  CloseCode,
  DocRoot,
  DocumentDetail,
  DocumentList,
  DocumentSummary,
  ErrorBody,
  ErrorCode,
  MetaKey,
  ROOM_TOKEN_TTL_SECONDS,
  RoomTokenClaims,
  RoomTokenResponse,
  ValidationDetails,
  type Role,
} from "@collab/protocol";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, inject, it } from "vitest";
import * as Y from "yjs";
import { useNodeWebSocket } from "../tools/db/node-websocket.ts";
import { signUp, type TestUser } from "../tools/testing/accounts.ts";
import { waitFor, waitForAsync, type TestClient } from "../tools/testing/clients.ts";
import { roomClients } from "../tools/testing/room-clients.ts";

/**
 * The document endpoints against the worker under `wrangler dev`, the real party and the real database.
 * Writes that go through the live room are checked on real Yjs clients connected to it.
 */
const { workerUrl, partyUrl, databaseUrl, wsProxy } = inject("stack");

const join = roomClients(partyUrl);

/** Resolves once the client synced; fails with the close code and reason if the room closes it first. */
function openedAndSynced(client: TestClient): Promise<void> {
  return new Promise((resolve, reject) => {
    const onClose = (event: { code: number; reason: string }) => reject(new Error(`the room closed a socket: ${event.code} ${event.reason}`));
    client.provider.once("connection-close", onClose);
    void client.synced.then(() => {
      client.provider.off("connection-close", onClose);
      resolve();
    });
  });
}

function nextCloseCode(client: TestClient): Promise<number> {
  return new Promise((resolve) => client.provider.once("connection-close", (event: { code: number }) => resolve(event.code)));
}

async function share(owner: TestUser, docId: string, user: TestUser, role: Exclude<Role, "owner">): Promise<void> {
  const response = await owner.request(`/api/documents/${docId}/members`, { body: { user: user.username, role } });
  expect(response.status).toBe(201);
}

async function detail(user: TestUser, docId: string): Promise<DocumentDetail> {
  const response = await user.request(`/api/documents/${docId}`);
  expect(response.status).toBe(200);
  return DocumentDetail.parse(await response.json());
}

async function errorOf(response: Response): Promise<ErrorBody["error"]> {
  return ErrorBody.parse(await response.json()).error;
}

async function expectError(response: Response, status: number, code: string): Promise<ErrorBody["error"]> {
  expect(response.status).toBe(status);
  const error = await errorOf(response);
  expect(error.code).toBe(code);
  return error;
}

async function expectFields(response: Response, fields: string[]): Promise<Record<string, string[]>> {
  const error = await expectError(response, 400, ErrorCode.ValidationFailed);
  const details = ValidationDetails.parse(error.details).fields;
  expect(Object.keys(details).sort()).toEqual([...fields].sort());
  return details;
}

/** Every page of the caller's list, following `nextCursor`. */
async function allPages(user: TestUser, query: string): Promise<DocumentList[]> {
  const pages: DocumentList[] = [];
  let cursor: string | null = null;
  do {
    const response = await user.request(`/api/documents?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    expect(response.status).toBe(200);
    const page = DocumentList.parse(await response.json());
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor && pages.length < 20);
  return pages;
}

const noSession = (path: string, init: RequestInit = {}) => fetch(`${workerUrl}${path}`, init);

let owner: TestUser;
let editor: TestUser;
let viewer: TestUser;
let stranger: TestUser;
beforeAll(async () => {
  [owner, editor, viewer, stranger] = await Promise.all([
    signUp(workerUrl, "owner"),
    signUp(workerUrl, "editor"),
    signUp(workerUrl, "viewer"),
    signUp(workerUrl, "stranger"),
  ]);
});

/** A new document of `owner`'s, shared with `editor` and `viewer`. */
async function sharedDocument(input: Parameters<TestUser["createDocument"]>[0] = {}): Promise<string> {
  const docId = await owner.createDocument(input);
  await share(owner, docId, editor, "editor");
  await share(owner, docId, viewer, "viewer");
  return docId;
}

describe("POST /api/documents", () => {
  it("creates an empty plain-text document named Untitled with an unguessable id", async () => {
    const response = await owner.request("/api/documents", { body: {} });
    expect(response.status).toBe(201);
    const doc = DocumentSummary.parse(await response.json());
    expect(doc).toMatchObject({ title: "Untitled", language: "plaintext", role: "owner", length: 0 });
    expect(doc.owner).toMatchObject({ id: owner.id, username: owner.username, displayName: owner.displayName });
    expect(doc.id).toMatch(/^[A-Za-z0-9_-]{21}$/);
    expect(await detail(owner, doc.id)).toEqual({ ...doc, text: "" });
  });

  it("stores the title, language and content it is given", async () => {
    const content = "def main():\n    print('héllo 🌍')\n";
    const response = await owner.request("/api/documents", { body: { title: "  Main script  ", language: "python", content } });
    expect(response.status).toBe(201);
    const doc = DocumentSummary.parse(await response.json());
    expect(doc).toMatchObject({ title: "Main script", language: "python", length: [...content].length });
    expect(await detail(owner, doc.id)).toMatchObject({ title: "Main script", language: "python", text: content });
  });

  it("opens in the room with the content it was created with", async () => {
    const docId = await owner.createDocument({ content: "from the API\n", language: "rust" });
    const client = join(owner, docId);
    await client.synced;
    expect(client.text.toString()).toBe("from the API\n");
    expect(client.doc.getMap(DocRoot.meta).get(MetaKey.language)).toBe("rust");
  });

  it.each([
    ["an empty title", { title: "" }, "body.title", "Title must not be empty"],
    ["a blank title", { title: " \t " }, "body.title", "Title must not be empty"],
    ["an unknown language", { language: "cobol" }, "body.language", undefined],
    ["a numeric title", { title: 42 }, "body.title", undefined],
    ["content that is not text", { content: ["a"] }, "body.content", undefined],
  ])("answers 400 for %s", async (_, body, field, message) => {
    const fields = await expectFields(await owner.request("/api/documents", { body }), [field]);
    if (message) expect(fields[field]).toEqual([message]);
  });

  it("answers 401 without a session", async () => {
    await expectError(await noSession("/api/documents", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }), 401, ErrorCode.Unauthorized);
  });
});

describe("GET /api/documents", () => {
  it("pages through every document once, most recently edited first, until nextCursor is null", async () => {
    const user = await signUp(workerUrl, "pager");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await user.createDocument({ title: `doc ${i}` }));
    const pages = await allPages(user, "limit=2");
    expect(pages.map((page) => page.items.length)).toEqual([2, 2, 1]);
    expect(pages.map((page) => page.nextCursor === null)).toEqual([false, false, true]);
    expect(pages.flatMap((page) => page.items.map((item) => item.id))).toEqual([...ids].reverse());
  });

  it("skips nothing when documents were edited within the same millisecond", async () => {
    // Postgres keeps microseconds; a cursor that kept only milliseconds would skip `second` on page two.
    const user = await signUp(workerUrl, "samems");
    const [first, second, third] = [await user.createDocument(), await user.createDocument(), await user.createDocument()];
    useNodeWebSocket();
    const { db, end } = openDatabase({ databaseUrl, wsProxy });
    try {
      await db.execute(sql`update documents set updated_at = case id
        when ${first} then '2031-01-01T00:00:00.123456Z'::timestamptz
        when ${second} then '2031-01-01T00:00:00.123400Z'::timestamptz
        else '2031-01-01T00:00:00.122000Z'::timestamptz end
        where id in (${first}, ${second}, ${third})`);
    } finally {
      await end();
    }
    const pages = await allPages(user, "limit=1");
    const seen = pages.flatMap((page) => page.items.map((item) => item.id));
    expect(seen).toHaveLength(3);
    expect(new Set(seen)).toEqual(new Set([first, second, third]));
    expect(seen.at(-1)).toBe(third);
  });

  it("filters to owned and shared-with-me documents, each with the caller's role", async () => {
    const [alice, bob] = await Promise.all([signUp(workerUrl, "alice"), signUp(workerUrl, "bob")]);
    const own = await alice.createDocument({ title: "alice's" });
    const edited = await bob.createDocument({ title: "bob's, edited by alice" });
    const viewed = await bob.createDocument({ title: "bob's, viewed by alice" });
    await bob.createDocument({ title: "bob's alone" });
    await share(bob, edited, alice, "editor");
    await share(bob, viewed, alice, "viewer");

    const list = async (filter: string) => {
      const [page] = await allPages(alice, filter ? `filter=${filter}` : "");
      return Object.fromEntries(page!.items.map((item) => [item.id, item.role]));
    };
    expect(await list("")).toEqual({ [own]: "owner", [edited]: "editor", [viewed]: "viewer" });
    expect(await list("all")).toEqual({ [own]: "owner", [edited]: "editor", [viewed]: "viewer" });
    expect(await list("owned")).toEqual({ [own]: "owner" });
    expect(await list("shared")).toEqual({ [edited]: "editor", [viewed]: "viewer" });
  });

  it.each([
    ["a cursor that is not one", "cursor=not-a-cursor", "query.cursor"],
    ["a cursor of the wrong shape", `cursor=${btoa(JSON.stringify({ updatedAt: 1 }))}`, "query.cursor"],
    ["a limit of 0", "limit=0", "query.limit"],
    ["a limit over 100", "limit=101", "query.limit"],
    ["a limit that is not a number", "limit=ten", "query.limit"],
    ["a fractional limit", "limit=2.5", "query.limit"],
    ["an unknown filter", "filter=mine", "query.filter"],
  ])("answers 400 for %s", async (_, query, field) => {
    await expectFields(await owner.request(`/api/documents?${query}`), [field]);
  });

  it("answers 401 without a session", async () => {
    await expectError(await noSession("/api/documents"), 401, ErrorCode.Unauthorized);
  });
});

describe("GET /api/documents/{id}", () => {
  it("shows members the document with their own role", async () => {
    const docId = await sharedDocument({ content: "shared text" });
    for (const [user, role] of [[owner, "owner"], [editor, "editor"], [viewer, "viewer"]] as const) {
      expect(await detail(user, docId)).toMatchObject({ id: docId, role, text: "shared text" });
    }
  });

  it.each([
    ["My notes: v2!", "python", "My-notes-v2.py"],
    ["Untitled", "plaintext", "Untitled.txt"],
    ["Café crème", "markdown", "Cafe-creme.md"],
    ["???", "json", "document.json"],
    ["three.js", "javascript", "three.js"],
  ])("downloads %j (%s) as plain text named %s with ?format=raw", async (title, language, filename) => {
    const content = "line 1\nline 2 ✓\n";
    const docId = await owner.createDocument({ title, language, content });
    const response = await owner.request(`/api/documents/${docId}?format=raw`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(response.headers.get("content-disposition")).toBe(`attachment; filename="${filename}"`);
    expect(await response.text()).toBe(content);
  });

  it("answers 404 to someone without a role, exactly as for a document that does not exist", async () => {
    const docId = await owner.createDocument();
    const theirs = await stranger.request(`/api/documents/${docId}`);
    const missing = await stranger.request(`/api/documents/${docId.replace(/^./, (c) => (c === "x" ? "y" : "x"))}`);
    expect(theirs.status).toBe(404);
    expect(missing.status).toBe(404);
    const [a, b] = [await theirs.json(), await missing.json()];
    expect(a).toEqual(b);
    expect(ErrorBody.parse(a).error.code).toBe(ErrorCode.NotFound);
  });

  it.each([
    ["an id with a dot", "/api/documents/bad.id", "param.id"],
    ["an id of 65 characters", `/api/documents/${"a".repeat(65)}`, "param.id"],
    ["an unknown format", "/api/documents/abc?format=xml", "query.format"],
  ])("answers 400 for %s", async (_, path, field) => {
    await expectFields(await owner.request(path), [field]);
  });

  it("answers 401 without a session", async () => {
    const docId = await owner.createDocument();
    await expectError(await noSession(`/api/documents/${docId}`), 401, ErrorCode.Unauthorized);
  });
});

describe("PUT /api/documents/{id}", () => {
  it("replaces the text through the live room: connected clients see it, keep their cursors, and GET returns it", async () => {
    const docId = await sharedDocument({ content: "hello world\n" });
    const watcher = join(viewer, docId);
    await watcher.synced;
    // The viewer's cursor sits before "world"; a minimal edit keeps it there.
    const cursor = Y.createRelativePositionFromTypeIndex(watcher.text, 6);

    const response = await editor.request(`/api/documents/${docId}`, { method: "PUT", body: { content: "hello brave world\n" } });
    expect(response.status).toBe(200);
    expect(DocumentSummary.parse(await response.json())).toMatchObject({ id: docId, role: "editor", length: 18 });
    await waitFor(() => watcher.text.toString() === "hello brave world\n", "the connected client sees the new text");
    expect(Y.createAbsolutePositionFromRelativePosition(cursor, watcher.doc)?.index).toBe(12);
    expect((await detail(owner, docId)).text).toBe("hello brave world\n");
  });

  it("replaces the text of a document nobody has open", async () => {
    const docId = await owner.createDocument({ content: "old" });
    const response = await owner.request(`/api/documents/${docId}`, { method: "PUT", body: { content: "new 🚀" } });
    expect(response.status).toBe(200);
    expect(DocumentSummary.parse(await response.json()).length).toBe(5);
    expect((await detail(owner, docId)).text).toBe("new 🚀");
    const client = join(owner, docId);
    await client.synced;
    expect(client.text.toString()).toBe("new 🚀");
  });

  it("answers 403 to a viewer and changes nothing", async () => {
    const docId = await sharedDocument({ content: "keep me" });
    const response = await viewer.request(`/api/documents/${docId}`, { method: "PUT", body: { content: "vandalised" } });
    await expectError(response, 403, ErrorCode.Forbidden);
    expect((await detail(owner, docId)).text).toBe("keep me");
  });

  it("answers 404 to someone without a role", async () => {
    const docId = await owner.createDocument({ content: "keep me" });
    await expectError(await stranger.request(`/api/documents/${docId}`, { method: "PUT", body: { content: "x" } }), 404, ErrorCode.NotFound);
    expect((await detail(owner, docId)).text).toBe("keep me");
  });

  it.each([
    ["no content", {}],
    ["content that is not text", { content: 7 }],
    ["null content", { content: null }],
  ])("answers 400 for %s", async (_, body) => {
    const docId = await owner.createDocument();
    await expectFields(await owner.request(`/api/documents/${docId}`, { method: "PUT", body }), ["body.content"]);
  });

  it("answers 401 without a session", async () => {
    const docId = await owner.createDocument();
    const response = await noSession(`/api/documents/${docId}`, { method: "PUT", headers: { "content-type": "application/json" }, body: '{"content":"x"}' });
    await expectError(response, 401, ErrorCode.Unauthorized);
  });
});

describe("PATCH /api/documents/{id}", () => {
  it("renames and changes the language; connected editors get the new title and language live", async () => {
    const docId = await sharedDocument();
    const client = join(owner, docId);
    await client.synced;
    const before = (await detail(owner, docId)).updatedAt;

    const response = await editor.request(`/api/documents/${docId}`, { method: "PATCH", body: { title: "Renamed", language: "typescript" } });
    expect(response.status).toBe(200);
    const doc = DocumentSummary.parse(await response.json());
    expect(doc).toMatchObject({ title: "Renamed", language: "typescript", role: "editor" });
    expect(Date.parse(doc.updatedAt)).toBeGreaterThan(Date.parse(before));
    await waitFor(() => client.doc.getMap(DocRoot.meta).get(MetaKey.language) === "typescript", "the room's language changes");
    await waitFor(() => client.doc.getMap(DocRoot.meta).get(MetaKey.title) === "Renamed", "the room's title changes");
    expect(await detail(owner, docId)).toMatchObject({ title: "Renamed", language: "typescript" });
  });

  it("derives the row's language from the Y.Doc: a language an editor picks live reaches the document with the next snapshot", async () => {
    const docId = await owner.createDocument({ language: "go" });
    const client = join(owner, docId);
    await client.synced;
    client.doc.getMap(DocRoot.meta).set(MetaKey.language, "rust");
    const started = performance.now();
    await waitForAsync(async () => (await detail(owner, docId)).language === "rust", "documents.language follows the Y.Doc", 20_000, 200);
    console.log(`documents.language followed the Y.Doc after ${Math.round(performance.now() - started)} ms`);
  });

  it("renames alone, leaving the language", async () => {
    const docId = await owner.createDocument({ language: "go" });
    const response = await owner.request(`/api/documents/${docId}`, { method: "PATCH", body: { title: "Only the title" } });
    expect(response.status).toBe(200);
    expect(DocumentSummary.parse(await response.json())).toMatchObject({ title: "Only the title", language: "go" });
  });

  it.each([
    ["nothing to change", {}, "body"],
    ["an empty title", { title: "" }, "body.title"],
    ["an unknown language", { language: "klingon" }, "body.language"],
  ])("answers 400 for %s", async (_, body, field) => {
    const docId = await owner.createDocument({ title: "Kept" });
    await expectFields(await owner.request(`/api/documents/${docId}`, { method: "PATCH", body }), [field]);
    expect((await detail(owner, docId)).title).toBe("Kept");
  });

  it("answers 403 to a viewer and 404 to a stranger, changing nothing", async () => {
    const docId = await sharedDocument({ title: "Kept" });
    await expectError(await viewer.request(`/api/documents/${docId}`, { method: "PATCH", body: { title: "Mine now" } }), 403, ErrorCode.Forbidden);
    await expectError(await stranger.request(`/api/documents/${docId}`, { method: "PATCH", body: { title: "Mine now" } }), 404, ErrorCode.NotFound);
    expect((await detail(owner, docId)).title).toBe("Kept");
  });

  it("answers 401 without a session", async () => {
    const docId = await owner.createDocument();
    const response = await noSession(`/api/documents/${docId}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: '{"title":"x"}' });
    await expectError(response, 401, ErrorCode.Unauthorized);
  });
});

describe("DELETE /api/documents/{id}", () => {
  it("deletes for the owner: open connections close with 4404 and the document is gone for everyone", async () => {
    const docId = await sharedDocument({ content: "doomed" });
    const client = join(editor, docId);
    await client.synced;
    const closed = nextCloseCode(client);

    const response = await owner.request(`/api/documents/${docId}`, { method: "DELETE" });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
    expect(await closed).toBe(CloseCode.DocumentDeleted);
    for (const user of [owner, editor, viewer]) {
      await expectError(await user.request(`/api/documents/${docId}`), 404, ErrorCode.NotFound);
    }
    const [page] = await allPages(editor, "filter=shared");
    expect(page!.items.map((item) => item.id)).not.toContain(docId);
    await expectError(await owner.request(`/api/documents/${docId}`, { method: "DELETE" }), 404, ErrorCode.NotFound);
  });

  it.each([
    ["an editor", () => editor, 403, ErrorCode.Forbidden],
    ["a viewer", () => viewer, 403, ErrorCode.Forbidden],
    ["a stranger", () => stranger, 404, ErrorCode.NotFound],
  ])("refuses %s and keeps the document", async (_, user, status, code) => {
    const docId = await sharedDocument({ content: "still here" });
    await expectError(await user().request(`/api/documents/${docId}`, { method: "DELETE" }), status, code);
    expect((await detail(owner, docId)).text).toBe("still here");
  });

  it("answers 401 without a session", async () => {
    const docId = await owner.createDocument();
    await expectError(await noSession(`/api/documents/${docId}`, { method: "DELETE" }), 401, ErrorCode.Unauthorized);
    expect((await owner.request(`/api/documents/${docId}`)).status).toBe(200);
  });
});

const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);

/** The document's active users, sorted by id, once the owner's entry shows `ownerConnections` (0: absent). */
async function settledUsers(user: TestUser, docId: string, ownerConnections: number): Promise<ActiveUsersResponse["users"]> {
  const started = performance.now();
  for (;;) {
    const response = await user.request(`/api/documents/${docId}/users`);
    expect(response.status).toBe(200);
    const users = ActiveUsersResponse.parse(await response.json()).users.sort(byId);
    const connections = users.find((entry) => entry.id === owner.id)?.connections ?? 0;
    if (connections === ownerConnections || performance.now() - started > 5_000) return users;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("GET /api/documents/{id}/users", () => {
  it("lists each connected user once, with the number of their sockets", async () => {
    const docId = await sharedDocument();
    const sockets = [join(owner, docId), join(owner, docId), join(viewer, docId)];
    await Promise.all(sockets.map(openedAndSynced));
    const entry = (user: TestUser, connections: number) => ({ id: user.id, name: user.displayName, color: expect.any(String), connections });

    // Presence is published a moment after joins and leaves: poll until it settles.
    expect(await settledUsers(editor, docId, 2)).toEqual([entry(owner, 2), entry(viewer, 1)].sort(byId));
    sockets[1]!.destroy();
    expect(await settledUsers(editor, docId, 1)).toEqual([entry(owner, 1), entry(viewer, 1)].sort(byId));
    sockets[0]!.destroy();
    expect(await settledUsers(editor, docId, 0)).toEqual([entry(viewer, 1)]);
  });

  it("lists nobody for a document nobody has open", async () => {
    const docId = await owner.createDocument();
    const response = await owner.request(`/api/documents/${docId}/users`);
    expect(response.status).toBe(200);
    expect(ActiveUsersResponse.parse(await response.json()).users).toEqual([]);
  });

  it("answers 404 to a stranger and 401 without a session", async () => {
    const docId = await owner.createDocument();
    await expectError(await stranger.request(`/api/documents/${docId}/users`), 404, ErrorCode.NotFound);
    await expectError(await noSession(`/api/documents/${docId}/users`), 401, ErrorCode.Unauthorized);
  });
});

describe("POST /api/documents/{id}/token", () => {
  it.each([
    ["owner", () => owner],
    ["editor", () => editor],
    ["viewer", () => viewer],
  ] as const)("gives the %s a five-minute room token carrying that role", async (role, user) => {
    const docId = await sharedDocument();
    const response = await user().request(`/api/documents/${docId}/token`, { method: "POST" });
    expect(response.status).toBe(200);
    const grant = RoomTokenResponse.parse(await response.json());
    expect(grant.role).toBe(role);
    const claims = RoomTokenClaims.parse(JSON.parse(Buffer.from(grant.token.split(".")[1]!, "base64url").toString()));
    expect(claims).toMatchObject({ sub: user().id, doc: docId, role, name: user().displayName });
    expect(claims.exp - claims.iat).toBe(ROOM_TOKEN_TTL_SECONDS);
    expect(Date.parse(grant.expiresAt)).toBe(claims.exp * 1000);
  });

  it("answers 404 to a stranger and 401 without a session", async () => {
    const docId = await owner.createDocument();
    await expectError(await stranger.request(`/api/documents/${docId}/token`, { method: "POST" }), 404, ErrorCode.NotFound);
    await expectError(await noSession(`/api/documents/${docId}/token`, { method: "POST" }), 401, ErrorCode.Unauthorized);
  });
});
