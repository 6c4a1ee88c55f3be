import { Pool, neonConfig } from "@neondatabase/serverless";
import { drizzle, type NeonDatabase } from "drizzle-orm/neon-serverless";
import * as schema from "./schema.ts";

export type Database = NeonDatabase<typeof schema>;

export interface DatabaseConfig {
  /** `postgres://user:password@host:port/db`. */
  databaseUrl: string;
  /**
   * `host:port` of a local WebSocket-to-TCP proxy (Neon's wsproxy protocol) in front of a plain Postgres.
   * Unset in production, where the Neon driver speaks to Neon's own endpoint over wss.
   */
  wsProxy?: string | undefined;
}

/** The proxy for each database address (`host:port`): one process may talk to several (tests, tooling). */
const proxies = new Map<string, string>();

/**
 * Neon's driver keeps its WebSocket settings in a module-global `neonConfig`, read when each socket
 * connects; so the proxy is looked up by the address being connected to rather than stored once. The
 * settings turn off what only Neon's endpoint supports (TLS inside the socket, pipelining the startup),
 * because a plain Postgres behind a proxy speaks the ordinary protocol.
 */
function configureProxy(databaseUrl: string, wsProxy: string | undefined): void {
  if (!wsProxy) return;
  const url = new URL(databaseUrl);
  proxies.set(`${url.hostname}:${url.port || 5432}`, wsProxy);
  neonConfig.wsProxy = (host, port) => `${proxies.get(`${host}:${port}`) ?? wsProxy}/v2?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineTLS = false;
  neonConfig.pipelineConnect = false;
}

export interface PoolOptions {
  /** Connections this pool may open (default 4). */
  max?: number;
  /** A connection attempt that takes longer fails (default: the driver's, which waits forever). */
  connectionTimeoutMs?: number;
  /**
   * Called before the pool's first query or connection, and its result when the pool has ended: lets a
   * caller bound how many pools hold connections at once (the worker's DatabaseGate). A rejection fails
   * that query.
   */
  acquire?: () => Promise<() => void>;
}

/**
 * A drizzle database over a fresh Neon WebSocket pool. In Workers a pool must not outlive the request (or
 * the burst of work) that opened it: call `end()` when done.
 *
 * @example
 * const { db, end } = openDatabase({ databaseUrl, wsProxy });
 * try { await loadSnapshot(db, "demo"); } finally { await end(); }
 */
export function openDatabase(config: DatabaseConfig, options: PoolOptions = {}): { db: Database; end: () => Promise<void> } {
  configureProxy(config.databaseUrl, config.wsProxy);
  const pool = new Pool({ connectionString: config.databaseUrl, max: options.max ?? 4, connectionTimeoutMillis: options.connectionTimeoutMs });
  // An idle pooled client whose socket dies emits 'error' on the pool; unhandled, that would crash the isolate.
  pool.on("error", (error: Error) => console.error("database pool error:", error.message));
  const acquire = options.acquire;
  if (!acquire) return { db: drizzle({ client: pool, schema }), end: () => pool.end() };

  // Gate the pool's two entry points (drizzle calls query, and connect for transactions). Instance methods,
  // so that drizzle still sees a Pool.
  let permit: Promise<() => void> | undefined;
  const ready = () => {
    permit ??= acquire().catch((error: unknown) => {
      permit = undefined;
      throw error;
    });
    return permit;
  };
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  Object.assign(pool, {
    query: async (...args: unknown[]) => (await ready(), query(...args)),
    connect: async (...args: unknown[]) => (await ready(), connect(...args)),
  });
  return {
    db: drizzle({ client: pool, schema }),
    end: async () => {
      const held = permit;
      try {
        await pool.end();
      } finally {
        // Released once the pool's connections are closed: the bound is on open connections.
        if (held) void held.then((release) => release(), () => {});
      }
    },
  };
}
