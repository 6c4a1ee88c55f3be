import { openDatabase, schema } from "@collab/db";
import { DEFAULT_VERSION_RETENTION, DocRoot, newDocId } from "@collab/protocol";
import { eq } from "drizzle-orm";
import { afterAll, describe, expect, inject, it } from "vitest";
import * as Y from "yjs";
import type { RoomConfig } from "./config.ts";
import { RoomDatabase } from "./database.ts";
import { RoomVersions } from "./room-versions.ts";
import { MemoryStorage } from "./testing/memory-storage.ts";

/** A room's versions (room-versions.ts) against the stack's Postgres; room storage in memory. */
const { databaseUrl, wsProxy } = inject("stack");
const { db, end } = openDatabase({ databaseUrl, wsProxy });
afterAll(() => end());

const config = { versions: { auto: true, settleMs: 60_000, maxWaitMs: 60_000, retention: DEFAULT_VERSION_RETENTION } } as RoomConfig;
const HOUR = 3_600_000;

/** One room object: its versions over `storage`, as a new object of the same room would start. */
function roomObject(docId: string, doc: Y.Doc, storage: MemoryStorage) {
  const database = new RoomDatabase({ databaseUrl, dbWsProxy: wsProxy });
  return new RoomVersions(config, database, storage, docId, () => doc, (error) => {
    throw error;
  });
}

/** A new document's row in Postgres, and its live text in a Y.Doc. */
async function newDocument(text: string): Promise<{ docId: string; doc: Y.Doc }> {
  const docId = `versions-${newDocId()}`;
  await db.insert(schema.documents).values({ id: docId });
  const doc = new Y.Doc();
  doc.getText(DocRoot.content).insert(0, text);
  return { docId, doc };
}

async function versionsOf(docId: string) {
  return db.select().from(schema.documentVersions).where(eq(schema.documentVersions.documentId, docId));
}

/** An automatic version stored at `at` (past the hours in which every version is kept, say). */
async function oldAutoVersion(docId: string, at: number): Promise<void> {
  await db.insert(schema.documentVersions).values({
    id: newDocId(),
    documentId: docId,
    createdAt: new Date(at),
    kind: "auto",
    text: "old",
    textLength: 3,
    stateVector: { "1": at },
  });
}

describe("RoomVersions", () => {
  it("takes an automatic version only when the document changed, also in the room's next object", async () => {
    const { docId, doc } = await newDocument("hello");
    const storage = new MemoryStorage();
    const first = roomObject(docId, doc, storage);
    first.edited("ada");
    await first.lastPeerLeft();
    expect(await versionsOf(docId)).toHaveLength(1);
    first.dispose();

    // A new object (the old one was evicted) remembers the newest vector from room storage.
    const second = roomObject(docId, doc, storage);
    second.edited("ada");
    await second.lastPeerLeft();
    expect(await versionsOf(docId)).toHaveLength(1);
    doc.getText(DocRoot.content).insert(5, " world");
    const third = roomObject(docId, doc, storage);
    third.edited("grace");
    await third.lastPeerLeft();
    expect((await versionsOf(docId)).map((v) => v.text).sort()).toEqual(["hello", "hello world"]);
    const newest = (await versionsOf(docId)).find((v) => v.text === "hello world")!;
    expect(newest.authorIds).toEqual(["grace"]);
    second.dispose();
    third.dispose();
  });

  it("asks Postgres when room storage does not know: lost room storage takes no duplicate version", async () => {
    const { docId, doc } = await newDocument("kept");
    const first = roomObject(docId, doc, new MemoryStorage());
    first.edited("ada");
    await first.lastPeerLeft();
    expect(await versionsOf(docId)).toHaveLength(1);
    const afterLoss = roomObject(docId, doc, new MemoryStorage());
    afterLoss.edited("ada");
    await afterLoss.lastPeerLeft();
    expect(await versionsOf(docId)).toHaveLength(1);
    first.dispose();
    afterLoss.dispose();
  });

  it("thins old automatic versions with the first version a room takes, then at most once an hour", async () => {
    const { docId, doc } = await newDocument("one");
    // Three within one hour two days ago: thinning keeps the newest of that hour.
    const hourStart = Math.floor((Date.now() - 48 * HOUR) / HOUR) * HOUR;
    const minute = 60_000;
    for (const at of [1, 2, 3]) await oldAutoVersion(docId, hourStart + at * minute);
    const storage = new MemoryStorage();
    const room = roomObject(docId, doc, storage);
    room.edited("ada");
    await room.lastPeerLeft();
    expect((await versionsOf(docId)).map((v) => v.text).sort()).toEqual(["old", "one"]);

    // More old versions appear (a bulk import, say): the next version within the hour leaves them.
    for (const at of [4, 5]) await oldAutoVersion(docId, hourStart + at * minute);
    doc.getText(DocRoot.content).insert(3, " two");
    room.edited("ada");
    await room.lastPeerLeft();
    expect(await versionsOf(docId)).toHaveLength(5);
    room.dispose();
  });
});
