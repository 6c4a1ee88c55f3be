import type { Pgids } from "../cpu.ts";
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { ClientFactory } from "../clients.ts";
import { checkConvergence, replicasAgree, type ConvergenceResult } from "../convergence.ts";
import { CpuMeter, sampleProcessGroup, type CpuReport } from "../cpu.ts";
import { editMarker, measuredSendTimes } from "../edits.ts";
import { LatencyRecorder, type Clock, type LatencySummary } from "../latency.ts";
import { createRandom } from "../../tools/random.ts";
import { closeRooms, openRooms, sleep, until } from "./rooms.ts";

export interface LoadOptions {
  rooms: number;
  clientsPerRoom: number;
  /** Edits per second per client, jittered +/- 50% per interval. */
  editsPerSecond: number;
  warmupSeconds: number;
  durationSeconds: number;
  seed: number;
  /** Prefix of the room ids; a run-unique suffix keeps runs against a shared deployment apart. */
  roomPrefix: string;
  /** Use these rooms instead (e.g. documents created through the API); at least `rooms` of them. */
  docIds?: string[];
  /** The target's `prepare` (clients.ts). */
  prepare?: (docIds: string[]) => Promise<void>;
  /** How long deliveries may take after the last edit before they count as lost. */
  drainTimeoutMs?: number;
  /** Server process group, for CPU and memory; undefined for a remote deployment. */
  serverPgid?: () => Pgids | undefined;
  cores?: number;
  clock?: Clock;
  onProgress?: (line: string) => void;
}

export interface LoadResult {
  rooms: number;
  clientsPerRoom: number;
  editsPerSecond: number;
  durationSeconds: number;
  latency: LatencySummary;
  /** Every latency sample, for the chart; not serialised. */
  samples: LatencyRecorder;
  connect: { p50: number; p99: number; failures: number };
  sentEdits: number;
  deliveries: { expected: number; received: number; lost: number };
  deliveredPerSecond: number;
  convergence: ConvergenceResult;
  drops: number;
  cpu: CpuReport;
  /** p99 of this process's event-loop delay during the measurement: a busy generator shows here first. */
  generatorLoopDelayP99Ms: number;
  /** Server memory growth from before the clients connected to the end of the warm-up. */
  serverRssDeltaBytes: number | undefined;
  ok: boolean;
}

/**
 * R rooms x C clients, each typing E edits/s at random positions. Every edit carries its send time
 * (edits.ts); every other client in the room records send-to-observe latency when the update is applied
 * to its Y.Doc. After the measurement the tool waits for the deliveries to drain, then checks that every
 * room converged.
 */
export async function runLoad(factory: ClientFactory, options: LoadOptions): Promise<LoadResult> {
  const clock = options.clock ?? (() => performance.now());
  const progress = options.onProgress ?? (() => {});
  const random = createRandom(options.seed);
  const pgid = options.serverPgid?.();
  const rssBefore = pgid === undefined ? undefined : sampleProcessGroup(pgid).rssBytes;
  const docIds = options.docIds?.slice(0, options.rooms) ?? Array.from({ length: options.rooms }, (_, i) => `${options.roomPrefix}-${i}`);
  await options.prepare?.(docIds);
  const opened = await openRooms(factory, docIds, options.clientsPerRoom, {
    clock,
    onProgress: (n, total) => {
      if (n % 50 === 0 || n === total) progress(`connecting ${n}/${total}`);
    },
  });
  const { rooms } = opened;
  const samples = new LatencyRecorder();
  let measuring = false;
  let received = 0;
  let expected = 0;
  let sentEdits = 0;

  for (const room of rooms) {
    for (const client of room.clients) {
      client.doc.on("update", (update: Uint8Array, _origin: unknown, _doc: unknown, transaction: { local: boolean }) => {
        if (transaction.local) return;
        const observedAt = clock();
        for (const sentAt of measuredSendTimes(update)) {
          samples.record(sentAt, observedAt);
          received++;
        }
      });
    }
  }

  // Every client types on its own jittered schedule; a late timer (busy generator) simply sends later.
  let typing = true;
  const timers = new Set<NodeJS.Timeout>();
  for (const room of rooms) {
    room.clients.forEach((client, index) => {
      const rng = random.fork(`${room.docId}/${index}`);
      const meanMs = 1000 / options.editsPerSecond;
      const type = () => {
        if (!typing) return;
        const sentAt = clock();
        const measured = measuring;
        client.doc.transact(() => client.text.insert(rng.int(client.text.length + 1), editMarker(sentAt, measured)));
        if (measured) {
          sentEdits++;
          expected += room.clients.length - 1;
        }
        schedule();
      };
      const schedule = () => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          type();
        }, rng.jitter(meanMs, 0.5));
        timers.add(timer);
      };
      // Spread the first edits over one interval so clients do not type in lockstep.
      const first = setTimeout(() => {
        timers.delete(first);
        type();
      }, rng.next() * meanMs);
      timers.add(first);
    });
  }

  await sleep(options.warmupSeconds * 1000);
  const rssAfterWarmup = pgid === undefined ? undefined : sampleProcessGroup(pgid).rssBytes;
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const cpuMeter = new CpuMeter(pgid, options.cores ?? 2);
  measuring = true;
  const started = clock();
  const ticker = setInterval(() => {
    const s = ((clock() - started) / 1000).toFixed(0);
    progress(`${s}/${options.durationSeconds}s  sent ${sentEdits}  delivered ${received}/${expected}  p99 ${samples.percentile(99).toFixed(1)} ms`);
  }, 1000);
  await sleep(options.durationSeconds * 1000);
  measuring = false;
  const cpu = cpuMeter.stop();
  loopDelay.disable();
  const measuredSeconds = (clock() - started) / 1000;
  const receivedInWindow = received;
  typing = false;
  for (const timer of timers) clearTimeout(timer);
  clearInterval(ticker);

  // Deliveries still in flight are given time to arrive; what does not arrive is lost.
  progress(`draining ${received}/${expected}`);
  const drainMs = options.drainTimeoutMs ?? 10_000;
  await until(() => received >= expected, drainMs);
  await until(() => rooms.every((room) => replicasAgree(room.clients.map((c) => c.text.toString()))), Math.min(drainMs, 5_000), 100);
  const convergence = checkConvergence(rooms.map((room) => ({ room: room.docId, texts: room.clients.map((c) => c.text.toString()) })));
  const drops = rooms.reduce((sum, room) => sum + room.clients.reduce((s, c) => s + c.drops(), 0), 0);
  closeRooms(rooms);

  const lost = Math.max(0, expected - received);
  return {
    rooms: options.rooms,
    clientsPerRoom: options.clientsPerRoom,
    editsPerSecond: options.editsPerSecond,
    durationSeconds: options.durationSeconds,
    latency: samples.summary(),
    samples,
    connect: { p50: opened.connectTimes.percentile(50), p99: opened.connectTimes.percentile(99), failures: opened.failures },
    sentEdits,
    deliveries: { expected, received, lost },
    deliveredPerSecond: receivedInWindow / measuredSeconds,
    convergence,
    drops,
    cpu,
    generatorLoopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    serverRssDeltaBytes: rssBefore === undefined || rssAfterWarmup === undefined ? undefined : rssAfterWarmup - rssBefore,
    ok: lost === 0 && convergence.converged && opened.failures === 0,
  };
}
