import { openDatabase, type PoolOptions } from "@collab/db";
import type { RoomConfig } from "./config.ts";

export type Database = ReturnType<typeof openDatabase>["db"];

/** How long the room keeps its connection after the last piece of work. */
const KEEP_MS = 2_000;

/**
 * A room's way to Postgres: one pool, opened on first use and ended 2 s after the last piece of work, so
 * the work that comes in bursts shares a connection (a snapshot and the writer records after it, the
 * automatic version when the last person leaves, a crowd joining with older tokens) instead of opening a
 * WebSocket and logging in through the proxy for each. A Durable Object may keep a socket across its
 * requests (workerd gives all of an object's requests one I/O context); a Worker may not. Short-lived, so
 * an idle room holds no connection and a thousand quiet rooms do not hold a thousand.
 *
 * A failed piece of work ends the pool: the next one starts on a fresh connection (after an outage, the
 * old socket is dead).
 *
 * @example
 * const database = new RoomDatabase(config);
 * const snapshot = await database.run((db) => loadSnapshot(db, docId));
 */
export class RoomDatabase {
  readonly #config: { databaseUrl: string; wsProxy: string | undefined };
  readonly #options: PoolOptions;
  #pool: ReturnType<typeof openDatabase> | undefined;
  #running = 0;
  #endTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param options the pool's; one connection by default: a room's database work is small and mostly one
   * thing after another (what overlaps waits its turn), and many rooms with several connections each
   * would exhaust a small Postgres (the embedded one accepts 32).
   */
  constructor(config: Pick<RoomConfig, "databaseUrl" | "dbWsProxy">, options: PoolOptions = {}) {
    this.#config = { databaseUrl: config.databaseUrl, wsProxy: config.dbWsProxy };
    this.#options = { max: 1, ...options };
  }

  async run<T>(work: (db: Database) => Promise<T>): Promise<T> {
    clearTimeout(this.#endTimer);
    const pool = (this.#pool ??= openDatabase(this.#config, this.#options));
    this.#running++;
    try {
      return await work(pool.db);
    } catch (error) {
      if (this.#pool === pool) this.#end();
      throw error;
    } finally {
      this.#running--;
      if (this.#running === 0 && this.#pool) this.#endTimer = setTimeout(() => this.#end(), KEEP_MS);
    }
  }

  #end(): void {
    clearTimeout(this.#endTimer);
    const pool = this.#pool;
    this.#pool = undefined;
    // Work still running on it finishes first (the driver ends a pool once its clients are released).
    void pool?.end().catch(() => {});
  }
}
