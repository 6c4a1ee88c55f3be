import { mkdir, open, readFile, unlink } from "node:fs/promises";
import { isIP } from "node:net";
import { dirname } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

/**
 * Postgres for machines without one: PGlite (Postgres compiled to wasm) persisted in a directory, served
 * over TCP by `@electric-sql/pglite-socket` so that the app's ordinary driver can reach it through the
 * WebSocket proxy.
 *
 * PGlite is ONE backend: connections are accepted side by side but their queries run one at a time, and a
 * transaction open on one connection holds back every other connection until it ends.
 */

export interface EmbeddedPostgresOptions {
  /** Where the database lives between runs, e.g. `.data/postgres`. Created when missing. */
  dataDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /**
   * Connections the socket server accepts at once (pglite-socket's default is 1). `openDatabase` pools
   * hold up to 4 each; 32 leaves room for the worker, the rooms, a migration and a test run together.
   */
  maxConnections?: number;
}

export interface EmbeddedPostgres {
  /** `postgres://postgres@127.0.0.1:PORT/postgres`. PGlite accepts any user without a password. */
  url: string;
  port: number;
  /** Closes every connection, then the database (flushing it to `dataDir`). Safe to call twice. */
  stop(): Promise<void>;
}

/** Another live process (or this one) already has the data directory open. */
export class EmbeddedDatabaseBusyError extends Error {
  override name = "EmbeddedDatabaseBusyError";
}

/**
 * Opens (or creates, ~2-3 s the first time) the database in `dataDir` and serves it on a local port.
 *
 * @example
 * const postgres = await startEmbeddedPostgres({ dataDir: ".data/postgres" });
 * // postgres.url === "postgres://postgres@127.0.0.1:41234/postgres"
 * await postgres.stop();
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { dataDir, host = "127.0.0.1", port = 0, maxConnections = 32 } = options;
  await mkdir(dirname(dataDir), { recursive: true });
  const releaseLock = await lockDataDir(dataDir);
  let db: PGlite | undefined;
  try {
    db = await PGlite.create(dataDir);
    const server = new PGLiteSocketServer({ db, host, port, maxConnections });
    await server.start();
    // getServerConn() is "host:port" with the port the OS picked; the server keeps the number private.
    const boundPort = Number(server.getServerConn().split(":").pop());
    const database = db;
    let stopped: Promise<void> | undefined;
    return {
      url: `postgres://postgres@${isIP(host) === 6 ? `[${host}]` : host}:${boundPort}/postgres`,
      port: boundPort,
      stop() {
        stopped ??= (async () => {
          try {
            await server.stop();
            await database.close();
          } finally {
            await releaseLock();
          }
        })();
        return stopped;
      },
    };
  } catch (error) {
    await db?.close().catch(() => {});
    await releaseLock();
    throw error;
  }
}

/**
 * PGlite does not lock its data directory, and two processes writing one directory corrupt it (for
 * example `npm run db:migrate` while `npm run dev` runs). A lock file beside the directory, holding the
 * owner's pid, turns that into a clear error; a lock left by a process that died is taken over.
 * The file lives beside `dataDir`, not in it, because initdb wants an empty directory.
 */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lockPath = `${dataDir}.lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      const file = await open(lockPath, "wx");
      await file.writeFile(`${process.pid}\n`);
      await file.close();
      return () => unlink(lockPath).catch(() => {});
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) throw error;
    }
    const owner = Number((await readFile(lockPath, "utf8").catch(() => "")).trim());
    if (owner && isAlive(owner)) {
      throw new EmbeddedDatabaseBusyError(
        `The embedded database in ${dataDir} is in use by process ${owner}${owner === process.pid ? " (this one)" : ""}. ` +
          `Stop it (is \`npm run dev\` running?), or set DATABASE_URL to use a Postgres server. Lock file: ${lockPath}`,
      );
    }
    await unlink(lockPath).catch(() => {});
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
