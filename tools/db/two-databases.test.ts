import { openDatabase } from "@collab/db";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { embeddedPostgres, isReachable, REAL_DATABASE_URL, realPostgres, useProxiedDatabase } from "./test-fixtures.ts";

// The Neon driver's proxy setting is process-global; @collab/db routes each connection by the address it
// connects to, so one process can use two databases behind two proxies (tests and tooling do).
const reachable = await isReachable(REAL_DATABASE_URL);

describe.skipIf(!reachable && process.env.CI !== "true")("two databases in one process", () => {
  const embedded = useProxiedDatabase(embeddedPostgres());
  const real = useProxiedDatabase(realPostgres);

  it("reaches each through its own proxy, alternately", async () => {
    const a = openDatabase(embedded());
    const b = openDatabase(real());
    try {
      for (let i = 0; i < 3; i++) {
        const [embeddedName] = (await a.db.execute(sql`select current_database() as name`)).rows;
        const [realName] = (await b.db.execute(sql`select current_database() as name`)).rows;
        expect(embeddedName).toEqual({ name: "postgres" });
        expect(realName).toEqual({ name: new URL(REAL_DATABASE_URL).pathname.slice(1) });
      }
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });
});
