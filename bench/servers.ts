import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startParty } from "../tools/stack/servers.ts";
import { ROOT } from "../tools/stack/servers.ts";
import { answers, freePort, startService, type Service } from "../tools/stack/service.ts";
import { randomBytes } from "node:crypto";
import type { Target } from "./clients.ts";
import { signingTokens, type TokenParams } from "./tokens.ts";
import { roomPath } from "@collab/protocol";

/**
 * The servers under test, each in its own process (group), started one after another by the CLI.
 * `restart` stops the process and starts it again on the same room storage, or on empty room storage
 * (`fresh`): that is how the cold-load scenario unloads a room for certain, rather than hoping the runtime
 * evicts it.
 */
export type ServerName = "collab" | "y-partykit" | "y-websocket-server" | "hocuspocus";
export const SERVER_NAMES: ServerName[] = ["collab", "y-partykit", "y-websocket-server", "hocuspocus"];

export interface RunningServer {
  name: ServerName;
  target: Target;
  /** Process group id of the room server, for CPU and memory sampling. */
  pgid(): number | undefined;
  /** Every process group that serves (collab: the party and its database), for CPU; defaults to `pgid`. */
  pgids?(): number[];
  /** Where a restarted server finds a document again: room storage, Postgres, or nowhere (memory only). */
  storage: "room storage + Postgres" | "room storage" | "memory";
  /** True when no peer sees an update before it is durable. */
  durable: boolean;
  /**
   * Stops and starts the server again. `productionLimits` (collab): without the raised rates the replays
   * need, so that attacks meet the limits a deployment has.
   */
  restart?(options?: { fresh?: boolean; productionLimits?: boolean }): Promise<void>;
  /** Room tokens of a given role, for the attack scenario (collab only: the others have no roles). */
  roleTokens?(role: "editor" | "viewer"): TokenParams;
  /** Storage puts and bytes a room issued so far, from its internal endpoint (collab only). */
  storageStats?(docId: string): Promise<StorageStats>;
  /** The server's own Postgres (collab only), for measurements of what it stored. */
  database?: { databaseUrl: string; wsProxy: string };
  /** Versions Postgres holds of `docId` (collab only): were automatic versions taken during a replay? */
  versionCount?(docId: string): Promise<number>;
  /** Waits until Postgres holds `docId` with `textLength` characters (collab only). */
  waitForSnapshot?(docId: string, textLength: number, timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

const quiet = process.env.BENCH_LOGS !== "1";
const bin = (name: string) => join(ROOT, "node_modules", ".bin", name);

export interface StorageStats {
  writes: number;
  bytes: number;
}

export interface ServerOptions {
  /** Extra room variables for our room (e.g. SNAPSHOT_MAX_WAIT_MS=600000), for experiments. */
  partyVars?: Record<string, string>;
}

export function startServer(name: ServerName, options: ServerOptions = {}): Promise<RunningServer> {
  switch (name) {
    case "collab":
      return startCollab(options.partyVars ?? {});
    case "y-partykit":
      return startBarePartykit();
    case "y-websocket-server":
      return startNodeReference();
    case "hocuspocus":
      return startHocuspocus();
  }
}

/** Our room (party/server.ts) under partykit dev, on a database of its own (embedded unless DATABASE_URL). */
async function startCollab(vars: Record<string, string>): Promise<RunningServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "collab-bench-"));
  const urlsFile = join(dataDir, "database.json");
  const db = await startService({
    name: "db",
    command: process.execPath,
    args: ["--import", "tsx", join(import.meta.dirname, "database-process.ts"), join(dataDir, "postgres"), urlsFile],
    cwd: ROOT,
    ready: async () => existsSync(urlsFile),
    quiet,
  });
  const database = {
    ...(JSON.parse(readFileSync(urlsFile, "utf8")) as { databaseUrl: string; wsProxy: string }),
    stop: () => db.stop(),
  };
  const port = await freePort();
  let persistDir = join(dataDir, "party-0");
  let generation = 0;
  // The bench plays the worker: it holds the room-token secret and signs a token per connection.
  const roomTokenSecret = randomBytes(32).toString("hex");
  const internalSecret = randomBytes(32).toString("hex");
  // The replays send a trace's transactions one frame each as fast as the machine allows from one socket
  // (260k for automerge-paper), far past the per-connection frame rate a room allows a person: raise it,
  // unless the run sets it. The attacks restart without the raise (restart's productionLimits).
  const raisedRates = { RATE_MESSAGES_PER_SECOND: "1000000", RATE_MESSAGE_BURST: "1000000", RATE_STRUCTS_PER_SECOND: "1000000", RATE_STRUCT_BURST: "1000000" };
  const launch = (productionLimits = false) =>
    startParty({ databaseUrl: database.databaseUrl, wsProxy: database.wsProxy, roomTokenSecret, internalSecret, port, persistDir, vars: productionLimits ? vars : { ...raisedRates, ...vars }, quiet });
  let party: Service | undefined;
  try {
    party = await launch();
  } catch (error) {
    await database.stop();
    throw error;
  }
  return {
    name: "collab",
    target: {
      name: "collab",
      url: `http://127.0.0.1:${port}`,
      protocol: "y-websocket",
      party: "main",
      params: signingTokens(roomTokenSecret),
      // Rooms are documents: only a document with a row is snapshotted to Postgres, as in production.
      prepare: (docIds) => registerDocuments(database, docIds),
    },
    pgid: () => party?.child.pid,
    pgids: () => [party?.child.pid, db.child.pid].filter((pid): pid is number => pid !== undefined),
    roleTokens: (role) => signingTokens(roomTokenSecret, role),
    async storageStats(docId) {
      // The worker's view of a room (party/server.ts onRequest), authorised with INTERNAL_SECRET.
      const response = await fetch(`http://127.0.0.1:${port}${roomPath(docId)}`, { headers: { authorization: `Bearer ${internalSecret}` } });
      return ((await response.json()) as { storage: StorageStats }).storage;
    },
    storage: "room storage + Postgres",
    durable: true,
    database: { databaseUrl: database.databaseUrl, wsProxy: database.wsProxy },
    async restart({ fresh = false, productionLimits = false } = {}) {
      await party?.stop();
      if (fresh) persistDir = join(dataDir, `party-${++generation}`);
      party = await launch(productionLimits);
    },
    async versionCount(docId) {
      const { openDatabase, schema } = await import("@collab/db");
      const { count, eq } = await import("drizzle-orm");
      const { db, end } = openDatabase({ databaseUrl: database.databaseUrl, wsProxy: database.wsProxy });
      try {
        const [row] = await db.select({ n: count() }).from(schema.documentVersions).where(eq(schema.documentVersions.documentId, docId));
        return row?.n ?? 0;
      } finally {
        await end().catch(() => {});
      }
    },
    async waitForSnapshot(docId, textLength, timeoutMs) {
      const { openDatabase, loadSnapshot } = await import("@collab/db");
      const { db, end } = openDatabase({ databaseUrl: database.databaseUrl, wsProxy: database.wsProxy });
      try {
        const deadline = performance.now() + timeoutMs;
        while (performance.now() < deadline) {
          const snapshot = await loadSnapshot(db, docId).catch(() => undefined);
          if (snapshot && snapshot.text.length === textLength) return true;
          await new Promise((r) => setTimeout(r, 250));
        }
        return false;
      } finally {
        await end().catch(() => {});
      }
    },
    async stop() {
      await party?.stop();
      await database.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A bare y-partykit room (bench/reference/bare-room.ts) under the same partykit dev. */
async function startBarePartykit(): Promise<RunningServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "bare-partykit-bench-"));
  const port = await freePort();
  let persistDir = join(dataDir, "party-0");
  let generation = 0;
  const launch = () =>
    startService({
      name: "y-partykit",
      command: bin("partykit"),
      args: ["dev", "--port", String(port), "--persist", persistDir, "--disable-request-cf-fetch", "--no-hotkeys"],
      cwd: join(import.meta.dirname, "reference"),
      env: { PARTYKIT_TELEMETRY: "0", DO_NOT_TRACK: "1" },
      ready: () => answers(`http://127.0.0.1:${port}/`),
      quiet,
    });
  let party: Service | undefined = await launch();
  return {
    name: "y-partykit",
    target: { name: "y-partykit", url: `http://127.0.0.1:${port}`, protocol: "y-websocket", party: "main" },
    pgid: () => party?.child.pid,
    storage: "room storage",
    durable: true,
    async restart({ fresh = false } = {}) {
      await party?.stop();
      party = undefined;
      if (fresh) persistDir = join(dataDir, `party-${++generation}`);
      party = await launch();
    },
    async stop() {
      await party?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** @y/websocket-server 0.1.1's own bin: documents in memory, never unloaded without persistence. */
async function startNodeReference(): Promise<RunningServer> {
  const port = await freePort();
  const service = await startService({
    name: "y-ws",
    command: process.execPath,
    args: [join(ROOT, "node_modules", "@y", "websocket-server", "src", "server.js")],
    env: { HOST: "127.0.0.1", PORT: String(port) },
    ready: () => answers(`http://127.0.0.1:${port}/`),
    quiet,
  });
  return {
    name: "y-websocket-server",
    target: { name: "y-websocket-server", url: `http://127.0.0.1:${port}`, protocol: "y-websocket", party: "main" },
    pgid: () => service.child.pid,
    storage: "memory",
    durable: false,
    stop: () => service.stop(),
  };
}

/** Hocuspocus 4 with default options (in memory), through its own provider. */
async function startHocuspocus(): Promise<RunningServer> {
  const port = await freePort();
  const service = await startService({
    name: "hocus",
    command: process.execPath,
    args: [join(import.meta.dirname, "reference", "hocuspocus-server.ts")],
    env: { PORT: String(port) },
    ready: () => answers(`http://127.0.0.1:${port}/`),
    quiet,
  });
  return {
    name: "hocuspocus",
    target: { name: "hocuspocus", url: `ws://127.0.0.1:${port}`, protocol: "hocuspocus" },
    pgid: () => service.child.pid,
    storage: "memory",
    durable: false,
    stop: () => service.stop(),
  };
}

/** Inserts `documents` rows (no owner) for bench rooms, as creating them through the API would. */
async function registerDocuments(database: { databaseUrl: string; wsProxy: string }, docIds: string[]): Promise<void> {
  const { openDatabase, schema } = await import("@collab/db");
  const { db, end } = openDatabase(database);
  try {
    // Small batches: one statement per 100 rooms keeps each query and its WebSocket frame modest.
    for (let i = 0; i < docIds.length; i += 100) {
      await db.insert(schema.documents).values(docIds.slice(i, i + 100).map((id) => ({ id }))).onConflictDoNothing();
    }
  } finally {
    await end().catch(() => {});
  }
}
