import { sql } from "drizzle-orm";
import { describe, expect, inject, it } from "vitest";
import { RoomDatabase } from "./database.ts";

/** The room's kept connection (database.ts), against the stack's real Postgres through its WebSocket proxy. */
const { databaseUrl, wsProxy } = inject("stack");

describe("RoomDatabase", () => {
  it("runs a burst of work on one connection, starts afresh after a failure, and lets go when idle", async () => {
    const database = new RoomDatabase({ databaseUrl, dbWsProxy: wsProxy });
    const backend = () => database.run(async (db) => Number((await db.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`)).rows[0]!.pid));
    const first = await backend();
    expect(await backend()).toBe(first);
    // Work that overlaps waits its turn on the one connection.
    expect(await Promise.all([backend(), backend()])).toEqual([first, first]);

    await expect(database.run(async () => Promise.reject(new Error("connection lost")))).rejects.toThrow("connection lost");
    const afterFailure = await backend();
    expect(afterFailure).not.toBe(first);

    // Idle past the 2 s it keeps the connection: the next piece of work opens a new one.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await backend()).not.toBe(afterFailure);
  });
});
