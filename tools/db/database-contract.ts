import { randomBytes } from "node:crypto";
import { findDocumentAccess, loadSnapshot, openDatabase, pingDatabase, saveSnapshot, type Database } from "@collab/db";
import { describe, expect, test } from "vitest";
import { migrateDatabase } from "./migrate.ts";
import { eventually, fixtureOwner, newDocument, uniqueDocId, type ProxiedDatabase } from "./test-fixtures.ts";

/**
 * What the app needs from any database behind the proxy, through the app's own driver and functions.
 * Run against the real Postgres and against the embedded PGlite.
 */
export function describeDatabaseContract(database: () => ProxiedDatabase): void {
  /** Runs `work` on a fresh pool and ends it, as the app does per request. */
  async function withDatabase<T>(work: (db: Database) => Promise<T>): Promise<T> {
    const { db, end } = openDatabase(database());
    try {
      return await work(db);
    } finally {
      await end();
    }
  }

  describe("migrations", () => {
    test("run twice more without error and find nothing to apply", async () => {
      expect((await migrateDatabase(database())).applied).toEqual([]);
      expect((await migrateDatabase(database())).applied).toEqual([]);
      await withDatabase(async (db) => expect(await loadSnapshot(db, uniqueDocId("none"))).toBeUndefined());
    });
  });

  describe("snapshots", () => {
    test.each([
      ["every byte value, 0x00 and 0xff included", Uint8Array.from({ length: 256 }, (_, i) => i)],
      ["zeros and 0xff at the edges", Uint8Array.from([0x00, 0xff, 0x00, 0x00, 0xff])],
      ["an empty state", new Uint8Array(0)],
      ["1 MB of random bytes", new Uint8Array(randomBytes(1 << 20))],
    ])("round-trip %s exactly", async (_label, state) => {
      const docId = uniqueDocId("bytes");
      await withDatabase(async (db) => {
        await newDocument(db, docId);
        await saveSnapshot(db, { docId, state, text: "x", language: "plaintext" });
        const loaded = await loadSnapshot(db, docId);
        expect(loaded?.state).toBeInstanceOf(Uint8Array);
        expect(loaded?.state.length).toBe(state.length);
        expect(Buffer.from(loaded!.state).equals(Buffer.from(state))).toBe(true);
      });
    });

    test("round-trip unicode text exactly, and the stored length counts code points", async () => {
      const docId = uniqueDocId("text");
      // Astral-plane characters, a ZWJ family, combining marks, RTL, line/paragraph separators, CRLF,
      // quotes and backslashes. No U+0000: Postgres text cannot hold it.
      const text = "héllo wörld 日本語 עברית 𝄞 👩‍👩‍👧‍👦 e\u0301 \u2028\u2029\r\n\t'\"\\ $1 ${x} \uFFFD";
      await withDatabase(async (db) => {
        await newDocument(db, docId);
        await saveSnapshot(db, { docId, state: Uint8Array.of(1, 2, 3), text, language: "typescript" });
        const loaded = await loadSnapshot(db, docId);
        expect(loaded?.text).toBe(text);
        expect(loaded?.language).toBe("typescript");
        const found = await findDocumentAccess(db, docId, fixtureOwner(docId));
        expect(found).toMatchObject({ id: docId, language: "typescript", length: [...text].length });
        expect(found?.updatedAt).toBeInstanceOf(Date);
      });
    });

    test("a second save replaces the first", async () => {
      const docId = uniqueDocId("overwrite");
      await withDatabase(async (db) => {
        await newDocument(db, docId);
        await saveSnapshot(db, { docId, state: Uint8Array.of(1), text: "one", language: "plaintext" });
        await saveSnapshot(db, { docId, state: Uint8Array.of(2, 2), text: "two 2", language: "markdown" });
        const loaded = await loadSnapshot(db, docId);
        expect([...loaded!.state]).toEqual([2, 2]);
        expect(await loadSnapshot(db, docId)).toMatchObject({ text: "two 2", language: "markdown" });
        expect(await findDocumentAccess(db, docId, fixtureOwner(docId))).toMatchObject({ length: 5, language: "markdown" });
      });
    });

    test("a save whose state vector does not dominate the stored one never overwrites it", async () => {
      const docId = uniqueDocId("guard");
      await withDatabase(async (db) => {
        await newDocument(db, docId);
        const save = (text: string, stateVector: Record<string, number>, language = "plaintext") =>
          saveSnapshot(db, { docId, state: Uint8Array.of(text.length), text, language, stateVector });
        expect(await save("newer", { "1": 10, "2": 5 })).toBe(true);
        // Older on one client, even if newer on another: refused, and the language stays too.
        expect(await save("older", { "1": 9, "2": 50 }, "markdown")).toBe(false);
        expect(await save("missing a client", { "1": 10 })).toBe(false);
        expect(await loadSnapshot(db, docId)).toMatchObject({ text: "newer", language: "plaintext" });
        // Equal (a deletion moves no clock) and dominating vectors are written.
        expect(await save("same clocks", { "1": 10, "2": 5 })).toBe(true);
        expect(await save("newest", { "1": 11, "2": 5, "3": 1 })).toBe(true);
        expect(await loadSnapshot(db, docId)).toMatchObject({ text: "newest" });
      });
    });

    test("an unknown document has no snapshot", async () => {
      await withDatabase(async (db) => {
        expect(await loadSnapshot(db, uniqueDocId("unknown"))).toBeUndefined();
        // A NUL typed into a document must not make every save fail: the text copy shows U+FFFD.
        const nulDoc = await newDocument(db, uniqueDocId("nul"));
        expect(await saveSnapshot(db, { docId: nulDoc, state: Uint8Array.of(9), text: "a\u0000b", language: "plaintext" })).toBe(true);
        expect(await loadSnapshot(db, nulDoc)).toMatchObject({ text: "a\uFFFDb", state: Uint8Array.of(9) });
        // A room never brings back a document that does not exist (deleted while it was open).
        expect(await saveSnapshot(db, { docId: uniqueDocId("gone"), state: Uint8Array.of(1), text: "x", language: "plaintext" })).toBe(false);
        expect(await loadSnapshot(db, uniqueDocId("unknown"))).toBeUndefined();
      });
    });
  });

  describe("connections", () => {
    test("after a pool's end() the proxy holds no database connection", async () => {
      const { proxy } = database();
      const { db, end } = openDatabase(database());
      await Promise.all([pingDatabase(db), pingDatabase(db), pingDatabase(db)]);
      expect(proxy.openConnections()).toBeGreaterThan(0);
      await end();
      expect(await eventually(() => proxy.openConnections(), 0)).toBe(0);
    });
  });
}
