import { openDatabase, purgeTrash, schema } from "@collab/db";
import { CloseCode, DocumentDetail, DocumentList, DocumentSummary, ErrorBody, ErrorCode, newDocId, TRASH_RETENTION_DAYS } from "@collab/protocol";
import { inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { useNodeWebSocket } from "../tools/db/node-websocket.ts";
import { retryingUnavailable, signUp, type TestUser } from "../tools/testing/accounts.ts";
import { waitForAsync, type TestClient } from "../tools/testing/clients.ts";
import { roomClients } from "../tools/testing/room-clients.ts";

/**
 * The document list against the real stack: search and sort with keyset pagination, the trash (delete,
 * restore, purge) and a list of 1,000 documents.
 */
const { workerUrl, partyUrl, databaseUrl, wsProxy } = inject("stack");

useNodeWebSocket();
const database = openDatabase({ databaseUrl, wsProxy });
const db = database.db;
afterAll(() => database.end());

const join = roomClients(partyUrl);

/**
 * A delete or restore as a well-behaved client sends it: again after a 503 (a busy shared database can hold
 * a request past the worker's gate). Each 503 is printed, so one the room caused is seen.
 */
function send(user: TestUser, path: string, method: "DELETE" | "POST"): Promise<Response> {
  return retryingUnavailable(async () => {
    const response = await user.request(path, { method });
    if (response.status === 503) console.log(`${method} ${path}: 503 ${await response.clone().text()}`);
    return response;
  });
}

function nextCloseCode(client: TestClient): Promise<number> {
  return new Promise((resolve) => client.provider.once("connection-close", (event: { code: number }) => resolve(event.code)));
}

async function expectError(response: Response, status: number, code: string): Promise<ErrorBody["error"]> {
  expect(response.status).toBe(status);
  const { error } = ErrorBody.parse(await response.json());
  expect(error.code).toBe(code);
  return error;
}

async function page(user: TestUser, query: string): Promise<DocumentList> {
  const response = await user.request(`/api/documents?${query}`);
  expect(response.status).toBe(200);
  return DocumentList.parse(await response.json());
}

/** Every page, following `nextCursor`; with the time each page took. */
async function allPages(user: TestUser, query: string, maxPages = 50): Promise<{ pages: DocumentList[]; ms: number[] }> {
  const pages: DocumentList[] = [];
  const ms: number[] = [];
  let cursor: string | null = null;
  do {
    const started = performance.now();
    pages.push(await page(user, `${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`));
    ms.push(performance.now() - started);
    cursor = pages.at(-1)!.nextCursor;
  } while (cursor && pages.length < maxPages);
  return { pages, ms };
}

const titles = (list: { items: DocumentSummary[] }[]) => list.flatMap((p) => p.items.map((item) => item.title));
const ids = (list: { items: DocumentSummary[] }[]) => list.flatMap((p) => p.items.map((item) => item.id));

describe("search and sort", () => {
  let user: TestUser;
  const names = ["banana split", "Cherry", "apple pie", "Banana notes", "100% done_", "Éclair", "zebra", "日本語メモ"];
  beforeAll(async () => {
    user = await signUp(workerUrl, "search");
    for (const title of names) await user.createDocument({ title });
  });

  it("sorts by name, A to Z ignoring case, one page at a time without duplicates or gaps", async () => {
    const { pages } = await allPages(user, "sort=name&limit=3");
    expect(pages).toHaveLength(3);
    const got = titles(pages);
    expect(new Set(ids(pages)).size).toBe(names.length);
    // Postgres's collation decides the order of accents and other scripts; the cases are what we promise.
    expect(got.slice(0, 5)).toEqual(["100% done_", "apple pie", "Banana notes", "banana split", "Cherry"]);
    expect(new Set(got)).toEqual(new Set(names));
  });

  it("sorts by recent: the latest edit first", async () => {
    const { pages } = await allPages(user, "sort=recent&limit=5");
    expect(titles(pages)).toEqual([...names].reverse());
  });

  it("searches titles ignoring case, in both sorts, with pagination", async () => {
    expect(titles((await allPages(user, "q=BANANA&sort=name&limit=1")).pages)).toEqual(["Banana notes", "banana split"]);
    expect(titles((await allPages(user, "q=banana&sort=recent&limit=1")).pages)).toEqual(["Banana notes", "banana split"]);
    expect(titles([await page(user, `q=${encodeURIComponent("éCLAIR")}`)])).toEqual(["Éclair"]);
    expect(titles([await page(user, `q=${encodeURIComponent("本語")}`)])).toEqual(["日本語メモ"]);
    // An empty search is no search.
    expect((await page(user, "q=&limit=100")).items).toHaveLength(names.length);
  });

  it("matches LIKE wildcards and SQL literally", async () => {
    expect(titles([await page(user, `q=${encodeURIComponent("%")}`)])).toEqual(["100% done_"]);
    expect(titles([await page(user, "q=_")])).toEqual(["100% done_"]);
    for (const q of ["'; drop table documents; --", "' or '1'='1", "\\", "a%' or title like '%"]) {
      expect((await page(user, `q=${encodeURIComponent(q)}`)).items).toEqual([]);
    }
    expect((await page(user, "limit=100")).items).toHaveLength(names.length);
  });

  it("refuses a search that is too long, and a cursor from the other sort", async () => {
    await expectError(await user.request(`/api/documents?q=${"a".repeat(201)}`), 400, ErrorCode.ValidationFailed);
    const byName = await page(user, "sort=name&limit=1");
    await expectError(await user.request(`/api/documents?sort=recent&cursor=${encodeURIComponent(byName.nextCursor!)}`), 400, ErrorCode.ValidationFailed);
    await expectError(await user.request("/api/documents?sort=title"), 400, ErrorCode.ValidationFailed);
  });
});

describe("trash", () => {
  it("delete moves to the trash: sockets close at once, the owner restores it with its text, and it opens again", async () => {
    const [owner, editor] = await Promise.all([signUp(workerUrl, "trashowner"), signUp(workerUrl, "trasheditor")]);
    const docId = await owner.createDocument({ title: "Binned", content: "kept text" });
    expect((await owner.request(`/api/documents/${docId}/members`, { body: { user: editor.username, role: "editor" } })).status).toBe(201);
    const client = join(editor, docId);
    await client.synced;
    client.doc.getText("content").insert(0, "typed, ");
    // The edit reaches Postgres through the room's snapshot; wait for it so the restore can be compared.
    await waitForAsync(async () => (await detail(owner, docId)).text === "typed, kept text", "the edit saved", 15_000);
    const closed = nextCloseCode(client);

    expect((await send(owner, `/api/documents/${docId}`, "DELETE")).status).toBe(204);
    expect(await closed).toBe(CloseCode.DocumentDeleted);
    client.destroy();
    for (const who of [owner, editor]) {
      await expectError(await who.request(`/api/documents/${docId}`), 404, ErrorCode.NotFound);
      expect(ids([await page(who, "limit=100")])).not.toContain(docId);
      await expectError(await who.request(`/api/documents/${docId}/token`, { method: "POST" }), 404, ErrorCode.NotFound);
    }
    const trash = await page(owner, "filter=trash");
    expect(trash.items.map((item) => item.id)).toEqual([docId]);
    expect(Date.parse(trash.items[0]!.deletedAt!)).toBeGreaterThan(Date.now() - 60_000);
    // Only the owner has a trash; a member cannot restore.
    expect((await page(editor, "filter=trash")).items).toEqual([]);
    await expectError(await editor.request(`/api/documents/${docId}/restore`, { method: "POST" }), 404, ErrorCode.NotFound);

    const restored = await send(owner, `/api/documents/${docId}/restore`, "POST");
    expect(restored.status).toBe(200);
    expect(DocumentSummary.parse(await restored.json())).toMatchObject({ id: docId, title: "Binned", role: "owner" });
    expect(restored.headers.get("content-type")).toContain("application/json");
    expect((await page(owner, "filter=trash")).items).toEqual([]);
    expect(ids([await page(editor, "limit=100")])).toContain(docId);
    expect((await detail(editor, docId)).text).toBe("typed, kept text");

    // The room serves it again, and saves what is typed next.
    const again = join(editor, docId);
    await again.synced;
    expect(again.doc.getText("content").toString()).toBe("typed, kept text");
    again.doc.getText("content").insert(0, "again, ");
    await waitForAsync(async () => (await detail(owner, docId)).text === "again, typed, kept text", "the edit after the restore saved", 15_000);
    // A second restore: it is no longer in the trash.
    await expectError(await owner.request(`/api/documents/${docId}/restore`, { method: "POST" }), 404, ErrorCode.NotFound);
  });

  it("refuses a non-owner's delete as before, and keeps the document", async () => {
    const [owner, editor] = await Promise.all([signUp(workerUrl, "keepowner"), signUp(workerUrl, "keepeditor")]);
    const docId = await owner.createDocument({ title: "Mine" });
    expect((await owner.request(`/api/documents/${docId}/members`, { body: { user: editor.username, role: "editor" } })).status).toBe(201);
    await expectError(await editor.request(`/api/documents/${docId}`, { method: "DELETE" }), 403, ErrorCode.Forbidden);
    expect((await page(owner, "filter=trash")).items).toEqual([]);
  });

  it(`purges what has been in the trash for more than ${TRASH_RETENTION_DAYS} days (fake clock), and the trash hides it already`, async () => {
    const owner = await signUp(workerUrl, "purge");
    const [old, recent] = [await owner.createDocument({ title: "Old" }), await owner.createDocument({ title: "Recent" })];
    for (const id of [old, recent]) expect((await send(owner, `/api/documents/${id}`, "DELETE")).status).toBe(204);
    const day = 86_400_000;
    const now = Date.now();
    await db.execute(sql`update documents set deleted_at = case id when ${old} then ${new Date(now - 31 * day).toISOString()}::timestamptz
      else ${new Date(now - 29 * day).toISOString()}::timestamptz end where id in (${old}, ${recent})`);
    expect(titles([await page(owner, "filter=trash")])).toEqual(["Recent"]);
    await expectError(await owner.request(`/api/documents/${old}/restore`, { method: "POST" }), 404, ErrorCode.NotFound);

    const purged = await purgeTrash(db, new Date(now));
    expect(purged).toContain(old);
    expect(purged).not.toContain(recent);
    const left = await db.select({ id: schema.documents.id }).from(schema.documents).where(inArray(schema.documents.id, [old, recent]));
    expect(left.map((row) => row.id)).toEqual([recent]);
    // Two days later by the fake clock, the other one goes too.
    expect(await purgeTrash(db, new Date(now + 2 * day))).toContain(recent);
  });
});

describe("1,000 documents", () => {
  it("pages through them in both sorts with no duplicates or gaps", async () => {
    const user = await signUp(workerUrl, "thousand");
    const base = Date.now() - 1_000_000;
    const prefix = newDocId().slice(0, 12);
    const rows = Array.from({ length: 1_000 }, (_, i) => ({
      id: `${prefix}_${String(i).padStart(4, "0")}`,
      ownerId: user.id,
      // Repeated titles in different cases, and pairs edited in the same millisecond: ties the keyset must break by id.
      title: `${i % 3 === 0 ? "Note" : "note"} ${String(i % 400).padStart(3, "0")}`,
      language: "plaintext",
      updatedAt: new Date(base + Math.floor(i / 2) * 1000),
    }));
    const seeded = performance.now();
    for (let i = 0; i < rows.length; i += 250) await db.insert(schema.documents).values(rows.slice(i, i + 250));
    console.log(`seeded 1,000 documents in ${Math.round(performance.now() - seeded)} ms`);
    const all = new Set(rows.map((row) => row.id));

    for (const sort of ["recent", "name"] as const) {
      const { pages, ms } = await allPages(user, `sort=${sort}&limit=100`);
      const seen = ids(pages);
      expect(pages).toHaveLength(10);
      expect(seen).toHaveLength(1_000);
      expect(new Set(seen)).toEqual(all);
      if (sort === "recent") {
        const times = pages.flatMap((p) => p.items.map((item) => Date.parse(item.updatedAt)));
        expect(times).toEqual([...times].sort((a, b) => b - a));
      } else {
        const keys = titles(pages).map((title) => title.toLowerCase());
        expect(keys).toEqual([...keys].sort());
      }
      const sorted = [...ms].sort((a, b) => a - b);
      console.log(`1,000 documents, sort=${sort}, 100 per page: median ${sorted[5]!.toFixed(0)} ms, max ${sorted[9]!.toFixed(0)} ms per page`);
    }
    const search = await allPages(user, "q=note%2012&sort=name&limit=100");
    // "note 120".."note 129", each for i, i+400 and i+800.
    expect(new Set(ids(search.pages)).size).toBe(30);
    expect(ids(search.pages)).toHaveLength(30);
    expect(titles(search.pages).every((title) => title.toLowerCase().includes("note 12"))).toBe(true);
    console.log(`search over 1,000: ${search.ms.map((m) => m.toFixed(0)).join(", ")} ms`);
  });
});

async function detail(user: TestUser, docId: string): Promise<DocumentDetail> {
  const response = await user.request(`/api/documents/${docId}`);
  expect(response.status).toBe(200);
  return DocumentDetail.parse(await response.json());
}
