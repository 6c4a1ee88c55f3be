import type { BenchClient, ClientFactory } from "../clients.ts";
import type { Clock } from "../latency.ts";
import { LatencyRecorder } from "../latency.ts";

/** A room's clients, connected and synced. */
export interface Room {
  docId: string;
  clients: BenchClient[];
}

export interface OpenedRooms {
  rooms: Room[];
  /** Connect + initial sync time of every client that made it, in ms. */
  connectTimes: LatencyRecorder;
  failures: number;
}

/**
 * Opens `clientsPerRoom` clients in each room, at most `concurrency` handshakes at a time (a thousand
 * simultaneous handshakes would measure the accept queue, not the room), each timed from construction to
 * its first completed sync. A client that does not sync within `timeoutMs` counts as a failure and is closed.
 */
export async function openRooms(
  factory: ClientFactory,
  docIds: string[],
  clientsPerRoom: number,
  options: { concurrency?: number; timeoutMs?: number; clock?: Clock; onProgress?: (opened: number, total: number) => void } = {},
): Promise<OpenedRooms> {
  const clock = options.clock ?? (() => performance.now());
  const concurrency = options.concurrency ?? 32;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const rooms: Room[] = docIds.map((docId) => ({ docId, clients: [] }));
  const jobs = rooms.flatMap((room) => Array.from({ length: clientsPerRoom }, () => room));
  const connectTimes = new LatencyRecorder();
  let failures = 0;
  let next = 0;
  let opened = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const room = jobs[next++]!;
      const started = clock();
      const client = factory(room.docId);
      let timer: NodeJS.Timeout | undefined;
      const ok = await Promise.race([
        client.synced.then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
      ]);
      clearTimeout(timer);
      if (ok) {
        connectTimes.record(started, clock());
        room.clients.push(client);
      } else {
        failures++;
        client.destroy();
      }
      options.onProgress?.(++opened, jobs.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  return { rooms, connectTimes, failures };
}

export function closeRooms(rooms: Room[]): void {
  for (const room of rooms) for (const client of room.clients) client.destroy();
}

/** Resolves true once `predicate` holds, false after `timeoutMs`; polls every `everyMs`. */
export async function until(predicate: () => boolean, timeoutMs: number, everyMs = 20): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return true;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
