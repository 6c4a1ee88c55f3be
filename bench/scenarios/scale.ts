import type { Pgids } from "../cpu.ts";
import type { ClientFactory } from "../clients.ts";
import type { Bottleneck } from "../cpu.ts";
import { runLoad } from "./load.ts";

export interface ScaleOptions {
  /** "clients": one room, growing; "rooms": two clients per room, growing rooms. */
  axis: "clients" | "rooms";
  steps: number[];
  editsPerSecond: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** A step passes when p99 stays under this, nothing is lost and every room converges. */
  p99LimitMs: number;
  seed: number;
  roomPrefix: string;
  serverPgid?: () => Pgids | undefined;
  prepare?: (docIds: string[]) => Promise<void>;
  onProgress?: (line: string) => void;
}

export interface ScaleStep {
  size: number;
  p99: number;
  lost: number;
  converged: boolean;
  connectFailures: number;
  deliveredPerSecond: number;
  bottleneck: Bottleneck;
  generatorCores: number;
  serverCores: number | undefined;
  /** Server memory growth per connection (clients axis) or per room (rooms axis), from RSS. */
  bytesPerUnit: number | undefined;
  passed: boolean;
  /** Why the step could not run at all. */
  error?: string;
}

export interface ScaleResult {
  axis: "clients" | "rooms";
  steps: ScaleStep[];
  /** The largest step that passed (steps run in increasing order and stop at the first failure). */
  best: number | undefined;
  /** True when the first failing step was limited by the load generator, not the server. */
  limitedByGenerator: boolean;
}

/** Grows one dimension until p99 crosses the limit (or deliveries are lost); the last passing size is the answer. */
export async function runScale(factory: ClientFactory, options: ScaleOptions): Promise<ScaleResult> {
  const steps: ScaleStep[] = [];
  let best: number | undefined;
  let limitedByGenerator = false;
  for (const size of options.steps) {
    const rooms = options.axis === "clients" ? 1 : size;
    const clientsPerRoom = options.axis === "clients" ? size : 2;
    options.onProgress?.(`scale ${options.axis} ${size}`);
    let result: Awaited<ReturnType<typeof runLoad>>;
    try {
      result = await runLoad(factory, {
        rooms,
        clientsPerRoom,
        editsPerSecond: options.editsPerSecond,
        warmupSeconds: options.warmupSeconds,
        durationSeconds: options.durationSeconds,
        seed: options.seed,
        roomPrefix: `${options.roomPrefix}-${options.axis}${size}`,
        serverPgid: options.serverPgid,
        prepare: options.prepare,
        onProgress: (line) => options.onProgress?.(`scale ${options.axis} ${size}: ${line}`),
      });
    } catch (error) {
      // The steps measured so far stand; this one is recorded as failed with its reason.
      steps.push({ size, p99: NaN, lost: 0, converged: false, connectFailures: 0, deliveredPerSecond: 0, bottleneck: "neither", generatorCores: 0, serverCores: undefined, bytesPerUnit: undefined, passed: false, error: describe(error) });
      break;
    }
    const passed = result.ok && result.latency.p99 < options.p99LimitMs;
    const units = options.axis === "clients" ? size : rooms;
    steps.push({
      size,
      p99: result.latency.p99,
      lost: result.deliveries.lost,
      converged: result.convergence.converged,
      connectFailures: result.connect.failures,
      deliveredPerSecond: result.deliveredPerSecond,
      bottleneck: result.cpu.bottleneck,
      generatorCores: result.cpu.generatorCores,
      serverCores: result.cpu.serverCores,
      bytesPerUnit: result.serverRssDeltaBytes === undefined ? undefined : result.serverRssDeltaBytes / units,
      passed,
    });
    if (!passed) {
      limitedByGenerator = result.cpu.bottleneck === "load generator" || result.cpu.bottleneck === "both (machine)";
      break;
    }
    best = size;
  }
  return { axis: options.axis, steps, best, limitedByGenerator };
}

/** The message and, for driver errors that wrap the real reason, the cause's. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, 300);
  const cause = error.cause instanceof Error ? ` (cause: ${error.cause.message})` : "";
  return `${error.message.slice(0, 200)}${cause}`;
}
