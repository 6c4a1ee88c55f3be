import { createDocument, createUser, type Database } from "@collab/db";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { parseDatabaseUrl, redactDatabaseUrl } from "./database-url.ts";
import { startEmbeddedPostgres } from "./embedded.ts";
import { migrateDatabase } from "./migrate.ts";
import { useNodeWebSocket } from "./node-websocket.ts";
import { startWsProxy, type WsProxy } from "./ws-proxy.ts";

/** The Postgres every developer machine and CI run has; DATABASE_URL overrides it. */
export const REAL_DATABASE_URL = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";

export interface ProxiedDatabase {
  databaseUrl: string;
  wsProxy: string;
  /** The proxy itself, to count its connections. */
  proxy: WsProxy;
  /** What the fixture's own migration applied. */
  appliedAtStart: string[];
}

interface Server {
  url: string;
  stop(): Promise<void>;
}

/**
 * Registers beforeAll/afterAll hooks that start `startServer()`, a WebSocket proxy in front of it and the
 * migrations, and tear all of it down again. Returns an accessor for use inside tests.
 */
export function useProxiedDatabase(startServer: () => Promise<Server>): () => ProxiedDatabase {
  let server: Server | undefined;
  let database: ProxiedDatabase | undefined;
  beforeAll(async () => {
    useNodeWebSocket();
    server = await startServer();
    const proxy = await startWsProxy({ target: parseDatabaseUrl(server.url) });
    database = { databaseUrl: server.url, wsProxy: proxy.address, proxy, appliedAtStart: [] };
    database.appliedAtStart = (await migrateDatabase(database)).applied;
  });
  afterAll(async () => {
    await database?.proxy.stop();
    await server?.stop();
  });
  return () => {
    if (!database) throw new Error("the database fixture is not started (beforeAll failed?)");
    return database;
  };
}

/** The real Postgres: started by the machine, so nothing to stop. Fails plainly when it is not there. */
export async function realPostgres(): Promise<Server> {
  if (!(await isReachable(REAL_DATABASE_URL))) {
    throw new Error(
      `No Postgres at ${redactDatabaseUrl(REAL_DATABASE_URL)} (from DATABASE_URL, else the default). ` +
        `Start it (pg_ctlcluster --skip-systemctl-redirect <version> main start) or set DATABASE_URL.`,
    );
  }
  return { url: REAL_DATABASE_URL, stop: async () => {} };
}

/** An embedded PGlite in a fresh temporary directory, removed on stop. */
export function embeddedPostgres(options: { maxConnections?: number } = {}) {
  return async (): Promise<Server> => {
    const dir = await temporaryDirectory();
    const postgres = await startEmbeddedPostgres({ dataDir: join(dir.path, "postgres"), ...options });
    return {
      url: postgres.url,
      async stop() {
        await postgres.stop();
        await dir.remove();
      },
    };
  };
}

export async function temporaryDirectory(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), "collab-db-test-"));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Whether something accepts TCP connections at the URL's host and port. */
export function isReachable(databaseUrl: string): Promise<boolean> {
  const { host, port } = parseDatabaseUrl(databaseUrl);
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    const done = (reachable: boolean) => {
      socket.destroy();
      resolve(reachable);
    };
    socket.once("connect", () => done(true));
    socket.once("timeout", () => done(false));
    socket.once("error", () => done(false));
  });
}

/** A document id no other run (or concurrent test file) uses: the real database is shared. */
export function uniqueDocId(label: string): string {
  return `test-${label}-${Date.now()}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Polls `read` until it returns `expected` or `timeoutMs` passes; returns the last value read. */
export async function eventually<T>(read: () => T, expected: T, timeoutMs = 2_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = read();
  while (value !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    value = read();
  }
  return value;
}

/**
 * A document row (and the user who owns it) for `docId`: snapshots are only written for documents that
 * exist, as the app creates them through the API.
 */
export async function newDocument(db: Database, docId: string): Promise<string> {
  const owner = await createUser(db, {
    id: fixtureOwner(docId),
    username: `u-${docId}`.slice(0, 32).toLowerCase(),
    email: `${docId}@example.test`.toLowerCase(),
    displayName: "Fixture",
    passwordHash: "unused",
  });
  await createDocument(db, { id: docId, ownerId: owner.id, title: "Fixture", language: "plaintext" });
  return docId;
}

/** The id of the user `newDocument` makes to own `docId`. */
export function fixtureOwner(docId: string): string {
  return `u-${docId}`.slice(0, 64);
}
