import { cpus, totalmem, type, release } from "node:os";
import { cumulativeDistribution } from "./latency.ts";
import type { ColdLoadResult } from "./scenarios/cold-load.ts";
import type { LoadResult } from "./scenarios/load.ts";
import type { ReplayResult } from "./scenarios/replay.ts";
import type { AttackResult } from "./scenarios/attacks.ts";
import type { ScaleResult } from "./scenarios/scale.ts";
import type { RunningServer, ServerName } from "./servers.ts";
import type { Settled } from "./settle.ts";

/** What one server did in a run. Keys of `load` and `replay` are scenario labels, the same for every server. */
export interface ServerResults {
  server: ServerName;
  storage: RunningServer["storage"];
  durable: boolean;
  load: Record<string, LoadResult>;
  replay: Record<string, ReplayResult>;
  coldLoad?: ColdLoadResult;
  scale: { clients?: ScaleResult; rooms?: ScaleResult };
  /** Each attack against our room: memory, the honest probes' longest stall, and how the attacker was closed. */
  attacks?: AttackResult[];
  /**
   * Scenario label -> what the server did after it until quiet (rooms emptying: snapshots, versions), and
   * how long that took. The next scenario starts only then (settle.ts).
   */
  aftermath?: Record<string, Settled>;
  /** Scenario label -> what went wrong; the run goes on with the next scenario. */
  errors: Record<string, string>;
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
}

export interface BenchRun {
  startedAt: string;
  seed: number;
  quick: boolean;
  machine: Machine;
  servers: ServerResults[];
}

export function describeMachine(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? "unknown",
    cores: list.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
    node: process.version,
  };
}

/** `load` scenario label, e.g. "1x50@2" for 1 room x 50 clients x 2 edits/s. */
export function loadLabel(rooms: number, clients: number, editsPerSecond: number): string {
  return `${rooms}x${clients}@${editsPerSecond}`;
}

/** Replay scenario label, e.g. "sveltecomponent x1". */
export function replayLabel(trace: string, batch: number): string {
  return `${trace} x${batch}`;
}

/** The run as JSON: raw latency samples become a cumulative distribution (small, and what the chart draws). */
export function toJson(run: BenchRun): string {
  return JSON.stringify(
    run,
    (key, value) => {
      if (key === "samples" && value && typeof value.sorted === "function") return { cdf: cumulativeDistribution(value.sorted()) };
      if (typeof value === "number" && !Number.isInteger(value)) return Math.round(value * 1000) / 1000;
      return value;
    },
    2,
  );
}
