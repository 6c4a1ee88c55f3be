import { connect } from "node:net";
import { parseDatabaseUrl, redactDatabaseUrl, type DatabaseAddress } from "./database-url.ts";
import { startEmbeddedPostgres } from "./embedded.ts";
import { migrateDatabase } from "./migrate.ts";
import { startWsProxy, type WsProxy } from "./ws-proxy.ts";

export interface StartDatabaseOptions {
  /** DATABASE_URL, when the environment sets it: use that server instead of the embedded one. */
  databaseUrl?: string | undefined;
  /** Where the embedded database lives, e.g. `<repo>/.data/postgres`. Ignored with `databaseUrl`. */
  dataDir: string;
  /** Port of the WebSocket proxy; 0 or absent picks a free one. */
  proxyPort?: number;
}

export interface RunningDatabase {
  kind: "embedded" | "external";
  /** What `openDatabase({ databaseUrl })` needs. */
  databaseUrl: string;
  /** `host:port` of the proxy: what `openDatabase({ wsProxy })` needs. */
  wsProxy: string;
  /** Migrations this start applied (empty when the database was up to date). */
  appliedMigrations: string[];
  /** Stops the proxy, then the embedded database if there is one. */
  stop(): Promise<void>;
}

/** The server DATABASE_URL names does not accept connections, or could not be migrated. */
export class DatabaseUnavailableError extends Error {
  override name = "DatabaseUnavailableError";
}

/**
 * A migrated database and the WebSocket proxy the app's driver reaches it through: the server DATABASE_URL
 * names when given, otherwise the embedded PGlite in `dataDir`.
 *
 * @example
 * const database = await startDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir: ".data/postgres" });
 * const { db, end } = openDatabase(database); // { databaseUrl, wsProxy }
 * // ...
 * await end();
 * await database.stop();
 */
export async function startDatabase(options: StartDatabaseOptions): Promise<RunningDatabase> {
  const proxyPort = options.proxyPort ?? 0;
  if (options.databaseUrl) {
    const { databaseUrl } = options;
    const target = parseDatabaseUrl(databaseUrl);
    await probe(target, databaseUrl);
    const proxy = await startWsProxy({ port: proxyPort, target });
    return ready("external", databaseUrl, proxy, () => proxy.stop());
  }
  const embedded = await startEmbeddedPostgres({ dataDir: options.dataDir });
  try {
    const proxy = await startWsProxy({ port: proxyPort, target: { host: "127.0.0.1", port: embedded.port } });
    return await ready("embedded", embedded.url, proxy, async () => {
      await proxy.stop();
      await embedded.stop();
    });
  } catch (error) {
    await embedded.stop();
    throw error;
  }
}

async function ready(
  kind: RunningDatabase["kind"],
  databaseUrl: string,
  proxy: WsProxy,
  stop: () => Promise<void>,
): Promise<RunningDatabase> {
  try {
    const { applied } = await migrateDatabase({ databaseUrl, wsProxy: proxy.address });
    return { kind, databaseUrl, wsProxy: proxy.address, appliedMigrations: applied, stop };
  } catch (error) {
    await proxy.stop();
    const where = kind === "external" ? `the database DATABASE_URL names (${redactDatabaseUrl(databaseUrl)})` : "the embedded database";
    throw new DatabaseUnavailableError(`Could not migrate ${where}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Connects once over plain TCP before anything else, so that a wrong host or a stopped server is reported
 * as such instead of as a WebSocket or migration failure further down.
 */
function probe(target: DatabaseAddress, databaseUrl: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.host, port: target.port, timeout: 5_000 });
    const fail = (reason: string) => {
      socket.destroy();
      reject(
        new DatabaseUnavailableError(
          `DATABASE_URL points at ${target.host}:${target.port}, which is unreachable (${reason}): ` +
            `${redactDatabaseUrl(databaseUrl)}. Start that server, fix DATABASE_URL, or unset it to use the embedded database.`,
        ),
      );
    };
    socket.once("connect", () => {
      socket.destroy();
      resolve();
    });
    socket.once("timeout", () => fail("no answer within 5 s"));
    socket.once("error", (error: NodeJS.ErrnoException) => fail(error.code ?? error.message));
  });
}
