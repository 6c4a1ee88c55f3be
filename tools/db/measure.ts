import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, pingDatabase } from "@collab/db";
import { startDatabase, type RunningDatabase } from "./database.ts";
import { useNodeWebSocket } from "./node-websocket.ts";
import { REAL_DATABASE_URL } from "./test-fixtures.ts";

/**
 * Prints start-up times of the embedded database and per-query latency through the proxy.
 * Run: npx tsx tools/db/measure.ts   (the real Postgres: DATABASE_URL, else 127.0.0.1:5432/test)
 */

const QUERIES = 200;
useNodeWebSocket();

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, performance.now() - started];
}

async function queryLatency(label: string, database: RunningDatabase): Promise<void> {
  const { db, end } = openDatabase(database);
  const [, connect] = await timed(() => pingDatabase(db)); // opens the WebSocket and logs in
  const samples: number[] = [];
  for (let i = 0; i < QUERIES; i++) samples.push((await timed(() => pingDatabase(db)))[1]);
  await end();
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!.toFixed(2);
  const mean = (samples.reduce((a, b) => a + b, 0) / samples.length).toFixed(2);
  console.log(`${label}: first query (connect + login) ${connect.toFixed(1)} ms; ${QUERIES} x select 1: mean ${mean} ms, p50 ${at(0.5)}, p95 ${at(0.95)}, max ${at(1)}`);
}

const dir = await mkdtemp(join(tmpdir(), "collab-db-measure-"));
try {
  const dataDir = join(dir, "postgres");
  const [first, firstStart] = await timed(() => startDatabase({ dataDir }));
  console.log(`embedded, fresh dataDir: ready (PGlite initdb + proxy + migrations) in ${firstStart.toFixed(0)} ms`);
  await first.stop();
  const [second, secondStart] = await timed(() => startDatabase({ dataDir }));
  console.log(`embedded, existing dataDir: ready in ${secondStart.toFixed(0)} ms`);
  await queryLatency("embedded via proxy", second);
  await second.stop();
} finally {
  await rm(dir, { recursive: true, force: true });
}

const [real, realStart] = await timed(() => startDatabase({ databaseUrl: REAL_DATABASE_URL, dataDir: "unused" }));
console.log(`real Postgres: proxy + migrations ready in ${realStart.toFixed(0)} ms`);
await queryLatency("real Postgres via proxy", real);
await real.stop();
