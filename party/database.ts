import { openDatabase } from "@collab/db";
import type { RoomConfig } from "./config.ts";

export type RoomDatabase = ReturnType<typeof openDatabase>["db"];

/**
 * Runs `work` on a short-lived pool (a Durable Object may not keep a socket across requests), and ends the
 * pool afterwards without waiting for it.
 */
export async function withDatabase<T>(config: Pick<RoomConfig, "databaseUrl" | "dbWsProxy">, work: (db: RoomDatabase) => Promise<T>): Promise<T> {
  const { db, end } = openDatabase({ databaseUrl: config.databaseUrl, wsProxy: config.dbWsProxy });
  try {
    return await work(db);
  } finally {
    void end().catch(() => {});
  }
}
