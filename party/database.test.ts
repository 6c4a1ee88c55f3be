import { sql } from "drizzle-orm";
import { describe, expect, inject, it } from "vitest";
import { RoomDatabase } from "./database.ts";

/** The room's kept connection (database.ts), against the stack's Postgres through its WebSocket proxy. */
const { databaseUrl, wsProxy } = inject("stack");

describe("RoomDatabase", () => {
  it("runs a burst of work on one pool, starts afresh after a failure, and lets go when idle", async () => {
    // The pool's gate (db/client.ts `acquire`) is called when a pool opens, and its release when it ends.
    let opened = 0;
    let ended = 0;
    const database = new RoomDatabase({ databaseUrl, dbWsProxy: wsProxy }, { acquire: async () => (opened++, () => void ended++) });
    const query = () => database.run(async (db) => (await db.execute(sql`select 1 as one`)).rows.length);
    expect(await query()).toBe(1);
    expect(await query()).toBe(1);
    // Work that overlaps waits its turn on the one connection.
    expect(await Promise.all([query(), query()])).toEqual([1, 1]);
    expect([opened, ended]).toEqual([1, 0]);

    await expect(database.run(async () => Promise.reject(new Error("connection lost")))).rejects.toThrow("connection lost");
    await query();
    expect(opened).toBe(2);

    // Idle past the 2 s it keeps the connection: the pool ends, and the next piece of work opens another.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(ended).toBe(2);
    await query();
    expect(opened).toBe(3);
  });
});
