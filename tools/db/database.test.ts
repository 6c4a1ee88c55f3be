import { createServer } from "node:net";
import { join } from "node:path";
import { loadSnapshot, openDatabase, pingDatabase, saveSnapshot } from "@collab/db";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { allMigrations } from "./migrate.ts";
import { DatabaseUnavailableError, startDatabase } from "./database.ts";
import { DatabaseUrlError } from "./database-url.ts";
import { useNodeWebSocket } from "./node-websocket.ts";
import { isReachable, newDocument, REAL_DATABASE_URL, temporaryDirectory, uniqueDocId } from "./test-fixtures.ts";

beforeAll(() => useNodeWebSocket());
const reachable = await isReachable(REAL_DATABASE_URL);

describe("startDatabase without DATABASE_URL", () => {
  let dir: Awaited<ReturnType<typeof temporaryDirectory>>;
  beforeAll(async () => {
    dir = await temporaryDirectory();
  });
  afterAll(() => dir.remove());

  let attempt = 0;
  // Booting PGlite from nothing takes seconds on a quiet machine and over 30 on two busy cores. A retry gets
  // a directory of its own: the first attempt's database may still hold its lock.
  test("starts the embedded database migrated, and keeps its data across restarts", { timeout: 120_000 }, async () => {
    const dataDir = join(dir.path, `postgres-${++attempt}`);
    const docId = uniqueDocId("persist");
    const first = await startDatabase({ dataDir });
    try {
      expect(first.kind).toBe("embedded");
      expect(first.appliedMigrations).toEqual(allMigrations());
      const { db, end } = openDatabase(first);
      await newDocument(db, docId);
      await saveSnapshot(db, { docId, state: Uint8Array.of(0, 255), text: "kept", language: "plaintext" });
      await end();
    } finally {
      await first.stop();
    }
    const second = await startDatabase({ dataDir });
    try {
      expect(second.appliedMigrations).toEqual([]);
      const { db, end } = openDatabase(second);
      const loaded = await loadSnapshot(db, docId);
      await end();
      expect(loaded?.text).toBe("kept");
      expect([...loaded!.state]).toEqual([0, 255]);
    } finally {
      await second.stop();
    }
  });
});

describe("startDatabase with DATABASE_URL", () => {
  test.each([
    ["not a url", /DATABASE_URL is not a URL/],
    ["mysql://root:hunter2@127.0.0.1:3306/app", /DATABASE_URL has scheme "mysql:"/],
    ["postgres:///app?host=/var/run/postgresql", /DATABASE_URL has no host/],
  ])("rejects %s with a message naming the variable, never the password", async (databaseUrl, message) => {
    const failure = startDatabase({ databaseUrl, dataDir: "unused" });
    await expect(failure).rejects.toThrow(DatabaseUrlError);
    await expect(failure).rejects.toThrow(message);
    await expect(failure).rejects.not.toThrow(/hunter2/);
  });

  test("reports a server that is not there", async () => {
    const port = await closedPort();
    const failure = startDatabase({ databaseUrl: `postgres://postgres:hunter2@127.0.0.1:${port}/test`, dataDir: "unused" });
    await expect(failure).rejects.toThrow(DatabaseUnavailableError);
    await expect(failure).rejects.toThrow(`DATABASE_URL points at 127.0.0.1:${port}, which is unreachable (ECONNREFUSED)`);
    await expect(failure).rejects.not.toThrow(/hunter2/);
  });

  describe.skipIf(!reachable && process.env.CI !== "true")("against the real Postgres", () => {
    test("proxies to it, migrated", async () => {
      const database = await startDatabase({ databaseUrl: REAL_DATABASE_URL, dataDir: "unused" });
      try {
        expect(database.kind).toBe("external");
        expect(database.databaseUrl).toBe(REAL_DATABASE_URL);
        expect(database.wsProxy).toMatch(/^127\.0\.0\.1:\d+$/);
        const { db, end } = openDatabase(database);
        await pingDatabase(db);
        await end();
      } finally {
        await database.stop();
      }
    });

    test("names DATABASE_URL when the server refuses the database", async () => {
      const url = new URL(REAL_DATABASE_URL);
      url.pathname = "/no_such_database_collab";
      await expect(startDatabase({ databaseUrl: url.toString(), dataDir: "unused" })).rejects.toThrow(
        /Could not migrate the database DATABASE_URL names .*no_such_database_collab.*does not exist/,
      );
    });
  });
});

/** A port nothing listens on: bound once by us, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
