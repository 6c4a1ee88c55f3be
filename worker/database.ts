import { openDatabase, type Database } from "@collab/db";
import { createMiddleware } from "hono/factory";
import { databaseConfig, type Env } from "./config.ts";

export type AppEnv = { Bindings: Env; Variables: { db: Database } };

/**
 * A database pool for the length of one request. Workers may not reuse a socket across requests, so each
 * request opens its pool (lazily, on first query) and closes it after the response, off the critical path.
 */
export const withDatabase = createMiddleware<AppEnv>(async (c, next) => {
  const { db, end } = openDatabase(databaseConfig(c.env));
  c.set("db", db);
  try {
    await next();
  } finally {
    const ending = end().catch(() => {});
    try {
      c.executionCtx.waitUntil(ending);
    } catch {
      // No execution context (app.request in tests): the promise still settles on its own.
    }
  }
});
