import type { Pgids } from "../cpu.ts";
import * as Y from "yjs";
import { applyPatches, type SequentialTrace } from "../../tools/traces.ts";
import type { ClientFactory } from "../clients.ts";
import type { StorageStats } from "../servers.ts";
import { CpuMeter, type CpuReport } from "../cpu.ts";
import type { Clock } from "../latency.ts";
import { closeRooms, openRooms, until } from "./rooms.ts";

export interface ReplayOptions {
  traceName: string;
  trace: SequentialTrace;
  docId: string;
  /** Trace transactions per Y.Doc transaction: 1 is one update per keystroke, as a typist sends them. */
  batch: number;
  /**
   * Flow control: the writer stops while the reader lags more than this many inserted characters behind it,
   * so a writer in the same process cannot queue an unbounded backlog in front of the server. Large enough
   * that a few round trips in flight keep the pipe full.
   */
  windowChars?: number;
  /** Stop writing after this long and report the part replayed (marked incomplete). */
  timeLimitMs?: number;
  serverPgid?: () => Pgids | undefined;
  /** The room's storage counters (our server only): turned into storage writes per second. */
  storageStats?: () => Promise<StorageStats>;
  /** Versions stored of the document so far (our server only), read once the reader caught up. */
  versionCount?: () => Promise<number>;
  cores?: number;
  clock?: Clock;
  onProgress?: (line: string) => void;
}

export interface ReplayResult {
  trace: string;
  batch: number;
  /** Updates the writer sent (Y.Doc transactions). */
  updates: number;
  keystrokes: number;
  seconds: number;
  /** End to end: updates sent / time until the reader held the writer's final text. */
  updatesPerSecond: number;
  keystrokesPerSecond: number;
  /** The reader ended with exactly the text the writer ended with (endContent when complete). */
  exact: boolean;
  /** Storage puts (and bytes) per second during the replay: what durability cost the room. */
  storage?: { writesPerSecond: number; bytesPerSecond: number; updatesPerWrite: number };
  /** Versions stored of the document when the reader caught up, before anyone left (automatic ones, issue 11). */
  versions?: number;
  /** The whole trace was replayed within the time limit. */
  complete: boolean;
  cpu: CpuReport;
}

/**
 * One writer replays a keystroke trace into a fresh room; one reader must end with exactly the writer's
 * final text (the trace's endContent when the whole trace ran). Both are real clients on real sockets.
 */
export async function runReplay(factory: ClientFactory, options: ReplayOptions): Promise<ReplayResult> {
  const clock = options.clock ?? (() => performance.now());
  const window = options.windowChars ?? 4_000;
  const timeLimit = options.timeLimitMs ?? 120_000;
  const { rooms, failures } = await openRooms(factory, [options.docId], 2);
  const [writer, reader] = rooms[0]!.clients;
  if (failures > 0 || !writer || !reader) {
    closeRooms(rooms);
    throw new Error(`replay: ${failures} client(s) could not connect to ${options.docId}`);
  }
  try {
    const { txns } = options.trace;
    if (options.trace.startContent) writer.doc.transact(() => writer.text.insert(0, options.trace.startContent));
    await until(() => reader.text.length === options.trace.startContent.length, 10_000);
    const writerId = writer.doc.clientID;
    const lag = () => Y.getState(writer.doc.store, writerId) - Y.getState(reader.doc.store, writerId);
    const cpuMeter = new CpuMeter(options.serverPgid?.(), options.cores ?? 2);
    const storageBefore = await options.storageStats?.();
    const started = clock();
    let updates = 0;
    let keystrokes = 0;
    let lastProgress = started;
    for (let i = 0; i < txns.length; i += options.batch) {
      const end = Math.min(txns.length, i + options.batch);
      writer.doc.transact(() => {
        for (let j = i; j < end; j++) applyPatches(writer.text, txns[j]!.patches);
      });
      updates++;
      keystrokes = end;
      if (lag() > window || updates % 256 === 0) {
        // Yield so the sockets flush and the reader (same process) applies what arrived; wait while it lags.
        await new Promise((r) => setImmediate(r));
        const caughtUp = await until(() => lag() <= window / 2, 30_000, 0);
        if (!caughtUp) throw new Error(`replay: the reader made no progress for 30 s at update ${updates}`);
      }
      if (clock() - lastProgress > 1000) {
        lastProgress = clock();
        const seconds = (lastProgress - started) / 1000;
        options.onProgress?.(`${options.traceName} x${options.batch}: ${keystrokes}/${txns.length} keystrokes, ${(updates / seconds).toFixed(0)} updates/s`);
      }
      if (clock() - started > timeLimit) break;
    }
    const complete = keystrokes === txns.length;
    const expected = writer.text.toString();
    const arrived = await until(() => reader.text.length === expected.length && reader.text.toString() === expected, 60_000, 2);
    const seconds = (clock() - started) / 1000;
    const cpu = cpuMeter.stop();
    const storageAfter = storageBefore && (await options.storageStats?.());
    const versions = await options.versionCount?.();
    const writes = storageAfter && storageBefore ? storageAfter.writes - storageBefore.writes : undefined;
    const storage =
      writes !== undefined && storageAfter && storageBefore
        ? { writesPerSecond: writes / seconds, bytesPerSecond: (storageAfter.bytes - storageBefore.bytes) / seconds, updatesPerWrite: updates / Math.max(1, writes) }
        : undefined;
    return {
      trace: options.traceName,
      batch: options.batch,
      updates,
      keystrokes,
      seconds,
      updatesPerSecond: updates / seconds,
      keystrokesPerSecond: keystrokes / seconds,
      exact: arrived && (!complete || expected === options.trace.endContent),
      ...(storage ? { storage } : {}),
      ...(versions !== undefined ? { versions } : {}),
      complete,
      cpu,
    };
  } finally {
    closeRooms(rooms);
  }
}
