import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { openDatabase, type Database } from "@collab/db";
import type { Pool } from "@neondatabase/serverless";
import { migrate } from "drizzle-orm/neon-serverless/migrator";
import { useNodeWebSocket } from "./node-websocket.ts";

/** migrations/ at the repository root, wherever the caller's working directory is. */
export const migrationsFolder = fileURLToPath(new URL("../../migrations", import.meta.url));

/**
 * Any two processes migrating at once (two test workers, `npm run dev` and `npm run db:migrate`) would
 * race on drizzle's `CREATE SCHEMA IF NOT EXISTS` and on the first migration. A session-level advisory lock,
 * held on a connection of its own while drizzle runs, makes the second wait and then find nothing to do.
 * Not a transaction-level lock: on PGlite a transaction left open on one connection stalls all others.
 */
const LOCK_KEY = "collab-editor migrations";

export interface MigrationResult {
  /** Tags of the migrations this call applied, e.g. ["0000_init"]; empty when already up to date. */
  applied: string[];
}

/**
 * Applies the pending migrations of `migrations/` through the app's own driver (`openDatabase`, the Neon
 * WebSocket pool), so that a database the tooling migrated is one the app can use. Idempotent; ends its pool.
 *
 * @example
 * const { applied } = await migrateDatabase({ databaseUrl, wsProxy: proxy.address });
 */
export async function migrateDatabase(config: { databaseUrl: string; wsProxy: string }): Promise<MigrationResult> {
  useNodeWebSocket();
  const { db, end } = openDatabase(config);
  try {
    // `Database` hides drizzle's `$client`; it is the Pool openDatabase created.
    const lockClient = await (db as Database & { $client: Pool }).$client.connect();
    try {
      await lockClient.query("select pg_advisory_lock(hashtext($1))", [LOCK_KEY]);
      const before = await lastAppliedAt(lockClient);
      await migrate(db, { migrationsFolder });
      await lockClient.query("select pg_advisory_unlock(hashtext($1))", [LOCK_KEY]);
      return { applied: journal().filter((entry) => entry.when > before).map((entry) => entry.tag) };
    } finally {
      lockClient.release();
    }
  } finally {
    await end();
  }
}

/** drizzle applies the journal entries newer than the newest `created_at` it recorded. */
async function lastAppliedAt(client: { query: Pool["query"] }): Promise<number> {
  // Two statements: a reference to a missing table fails at parse time, even inside a CASE.
  const exists = await client.query<{ name: string | null }>(`select to_regclass('drizzle.__drizzle_migrations')::text as name`);
  if (!exists.rows[0]?.name) return -1;
  const { rows } = await client.query<{ last: string | null }>(`select max(created_at)::text as last from drizzle.__drizzle_migrations`);
  return Number(rows[0]?.last ?? -1);
}

export function journal(): { tag: string; when: number }[] {
  const text = readFileSync(`${migrationsFolder}/meta/_journal.json`, "utf8");
  return (JSON.parse(text) as { entries: { tag: string; when: number }[] }).entries;
}

/** Every migration's tag, in order (what a fresh database gets). */
export function allMigrations(): string[] {
  return journal().map((entry) => entry.tag);
}
