import { openDatabase, type Database, type UserRow } from "@collab/db";
import type { Logger } from "@collab/protocol";
import { createMiddleware } from "hono/factory";
import { readConfig, type Env, type WorkerConfig } from "./config.ts";

/** A connection attempt that takes longer is a database that is down: 503, not a request that hangs. */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * A pool for one request (or one burst of a long stream): one connection, opened lazily on the first
 * query once the isolate's DatabaseGate lets it, and given back when `end()` has closed it.
 */
export function openWorkerDatabase(config: WorkerConfig): { db: Database; end: () => Promise<void> } {
  return openDatabase(config.database, { max: 1, connectionTimeoutMs: CONNECT_TIMEOUT_MS, acquire: () => config.databaseGate.acquire() });
}

/** What every handler finds on the context: configuration, a database, and (behind `requireUser`) the user. */
export type AppEnv = {
  Bindings: Env;
  Variables: { config: WorkerConfig; db: Database; user: UserRow; sessionId: string; requestId: string; log: Logger };
};

/**
 * Configuration, then a database pool for the length of one request. Workers may not reuse a socket across
 * requests, so each request opens its pool (lazily, on the first query, through the isolate's gate) and
 * closes it after the response, off the critical path.
 */
export const withContext = createMiddleware<AppEnv>(async (c, next) => {
  const config = readConfig(c.env);
  c.set("config", config);
  c.set("log", config.log.child({ requestId: c.get("requestId") }));
  const { db, end } = openWorkerDatabase(config);
  c.set("db", db);
  try {
    await next();
  } finally {
    const ending = end().catch(() => {});
    try {
      c.executionCtx.waitUntil(ending);
    } catch {
      // No execution context (app.request in tests): the promise settles on its own.
    }
  }
});
