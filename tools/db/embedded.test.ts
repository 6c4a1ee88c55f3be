import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { openDatabase, pingDatabase } from "@collab/db";
import { describe, expect, test } from "vitest";
import { allMigrations } from "./migrate.ts";
import { describeDatabaseContract } from "./database-contract.ts";
import { EmbeddedDatabaseBusyError, startEmbeddedPostgres } from "./embedded.ts";
import { embeddedPostgres, eventually, temporaryDirectory, useProxiedDatabase } from "./test-fixtures.ts";

// Few connection slots on purpose: a leak of one connection per pool exhausts them within a few pools.
const MAX_CONNECTIONS = 6;

describe("embedded PGlite behind the proxy", () => {
  const database = useProxiedDatabase(embeddedPostgres({ maxConnections: MAX_CONNECTIONS }));

  test("a fresh database gets every migration", () => {
    expect(database().appliedAtStart).toEqual(allMigrations());
  });

  describeDatabaseContract(database);

  test("30 pools opened and ended in sequence leak no connection", async () => {
    for (let i = 0; i < 30; i++) {
      const { db, end } = openDatabase(database());
      await pingDatabase(db);
      await end();
    }
    const { db, end } = openDatabase(database());
    try {
      // More connections than the server has slots, all at once: fails if earlier pools left any open.
      await Promise.all(Array.from({ length: 4 }, () => pingDatabase(db)));
    } finally {
      await end();
    }
    expect(await eventually(() => database().proxy.openConnections(), 0)).toBe(0);
  });
});

describe("startEmbeddedPostgres", () => {
  // Booting PGlite from nothing takes seconds on a quiet machine and over 30 on two busy cores.
  test("refuses a data directory another instance has open, and takes over a stale lock", { timeout: 120_000 }, async () => {
    const dir = await temporaryDirectory();
    const dataDir = join(dir.path, "postgres");
    try {
      const first = await startEmbeddedPostgres({ dataDir });
      try {
        await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(EmbeddedDatabaseBusyError);
      } finally {
        await first.stop();
      }
      // A lock left by a process that died (pids never reach 2^22 + 1 on Linux).
      await writeFile(`${dataDir}.lock`, "4194305\n");
      const second = await startEmbeddedPostgres({ dataDir });
      expect(second.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
      await second.stop();
      await second.stop(); // twice is harmless
    } finally {
      await dir.remove();
    }
  });
});
