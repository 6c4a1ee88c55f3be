import * as Y from "yjs";
import type { BenchClient, ClientFactory } from "../clients.ts";
import type { RunningServer } from "../servers.ts";
import { sleep, until } from "./rooms.ts";

export interface ColdLoadOptions {
  docId: string;
  /** The document to serve: Y.encodeStateAsUpdate of the trace replayed with its full history. */
  state: Uint8Array;
  text: string;
  repeats?: number;
  onProgress?: (line: string) => void;
}

/** Milliseconds for a fresh client from construction to holding the whole text; median of the repeats. */
export interface ColdLoadResult {
  stateBytes: number;
  /** The room is loaded (another client keeps it open): what every server serves from memory. */
  memoryMs: number;
  /** After a restart of the server process on the same room storage. */
  roomStorageMs?: number;
  /** After a restart on empty room storage: the room loads the Postgres snapshot. */
  postgresMs?: number;
  samples: Record<string, number[]>;
}

/**
 * The time for a fresh client to receive a large document. A restart of the server process is how a room is
 * unloaded for certain (the runtime may keep an idle object in memory as long as it likes); the first
 * client after it pays for starting the room and reading its storage, as a user opening a cold document does.
 */
export async function runColdLoad(server: RunningServer, factory: ClientFactory, options: ColdLoadOptions): Promise<ColdLoadResult> {
  const repeats = options.repeats ?? 3;
  const memoryRepeats = repeats + 2;
  const progress = options.onProgress ?? (() => {});
  const samples: Record<string, number[]> = { memory: [] };

  // Upload once and wait until a second client holds it: then the room has it (durably, where it is durable).
  const uploader = factory(options.docId);
  const checker = factory(options.docId);
  await Promise.all([uploader.synced, checker.synced]);
  Y.applyUpdate(uploader.doc, options.state);
  if (!(await until(() => checker.text.length === options.text.length, 60_000))) {
    uploader.destroy();
    checker.destroy();
    throw new Error("cold load: the uploaded document did not reach a second client within 60 s");
  }
  checker.destroy();

  progress("cold load: from memory");
  for (let i = 0; i < memoryRepeats; i++) samples.memory!.push(await timeFreshClient(factory, options.docId, options.text));
  uploader.destroy();

  if (server.restart) {
    // Let the room see the last client leave: it compacts storage and (collab) writes the Postgres snapshot.
    if (server.waitForSnapshot && !(await server.waitForSnapshot(options.docId, options.text.length, 30_000))) {
      throw new Error("cold load: the Postgres snapshot was not written within 30 s");
    }
    await sleep(1_000);
    samples.roomStorage = [];
    for (let i = 0; i < repeats; i++) {
      progress(`cold load: from room storage (${i + 1}/${repeats})`);
      await server.restart();
      await warmUp(factory, `${options.docId}-warmup`);
      samples.roomStorage.push(await timeFreshClient(factory, options.docId, options.text));
    }
    if (server.waitForSnapshot) {
      samples.postgres = [];
      for (let i = 0; i < repeats; i++) {
        progress(`cold load: from Postgres (${i + 1}/${repeats})`);
        await server.restart({ fresh: true });
        await warmUp(factory, `${options.docId}-warmup`);
        samples.postgres.push(await timeFreshClient(factory, options.docId, options.text));
      }
    }
  }
  return {
    stateBytes: options.state.byteLength,
    memoryMs: median(samples.memory!),
    ...(samples.roomStorage ? { roomStorageMs: median(samples.roomStorage) } : {}),
    ...(samples.postgres ? { postgresMs: median(samples.postgres) } : {}),
    samples,
  };
}

/**
 * One client through another room first: the measurement is of a room loading its document, not of
 * the runtime starting its isolate after the restart (which a deployment pays once, not per room).
 */
async function warmUp(factory: ClientFactory, docId: string): Promise<void> {
  const client = factory(docId);
  try {
    await Promise.race([client.synced, sleep(30_000)]);
  } finally {
    client.destroy();
  }
}

async function timeFreshClient(factory: ClientFactory, docId: string, text: string): Promise<number> {
  const started = performance.now();
  const client: BenchClient = factory(docId);
  try {
    const ok = await until(() => client.text.length === text.length, 60_000, 1);
    if (!ok || client.text.toString() !== text) throw new Error(`cold load: a fresh client did not receive the document (${client.text.length}/${text.length} chars)`);
    return performance.now() - started;
  } finally {
    client.destroy();
  }
}

/** The trace's final state with its whole editing history, as a long-lived document would carry it. */
export function fullHistoryState(apply: (doc: Y.Doc) => void): Uint8Array {
  const doc = new Y.Doc();
  apply(doc);
  const state = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return state;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
