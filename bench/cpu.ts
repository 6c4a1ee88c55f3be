import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU and memory of the load generator (this process) and of the server under test (its whole process
 * group: partykit dev runs workerd as a child, and that child holds the rooms). On two cores both compete,
 * so every scenario says which side ran out of CPU first.
 */

/** Linux reports /proc times in clock ticks; 100 per second on every x86_64 and arm64 kernel config in use. */
const TICKS_PER_SECOND = 100;
const PAGE_BYTES = 4096;

export interface ProcessGroupSample {
  /** CPU seconds (user + system) of every live process in the group. */
  cpuSeconds: number;
  rssBytes: number;
  processes: number;
}

/** Process group(s) of the server under test. */
export type Pgids = number | number[];

/** Sums /proc/<pid>/stat of every process in the process group(s). Linux only; zeros elsewhere. */
export function sampleProcessGroup(pgid: Pgids): ProcessGroupSample {
  const groups = new Set(Array.isArray(pgid) ? pgid : [pgid]);
  let ticks = 0;
  let rssPages = 0;
  let processes = 0;
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return { cpuSeconds: 0, rssBytes: 0, processes: 0 };
  }
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // The command name may contain spaces and parentheses: fields are counted after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After the name: [0] state, [2] pgrp, [11] utime, [12] stime, [21] rss (pages).
    if (!groups.has(Number(fields[2]))) continue;
    ticks += Number(fields[11]) + Number(fields[12]);
    rssPages += Number(fields[21]);
    processes++;
  }
  return { cpuSeconds: ticks / TICKS_PER_SECOND, rssBytes: rssPages * PAGE_BYTES, processes };
}

/** Busy CPU seconds of the whole machine since boot (all cores), from /proc/stat; undefined off Linux. */
export function machineBusySeconds(): number | undefined {
  try {
    const [, ...fields] = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
    return (user! + nice! + system! + irq! + softirq! + steal!) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

export type Bottleneck = "load generator" | "server" | "both (machine)" | "other processes" | "neither";

export interface CpuReport {
  seconds: number;
  /** Average cores used over the interval. */
  generatorCores: number;
  serverCores: number | undefined;
  serverRssBytes: number | undefined;
  /** Cores used by everything else on the machine meanwhile: a busy neighbour skews every figure. */
  otherCores: number | undefined;
  bottleneck: Bottleneck;
}

/**
 * One JS thread saturates at one core: a generator above 85% of a core delays its own sends and receives
 * and inflates the latencies it measures. Thresholds, not precision: the point is to say which side to
 * blame.
 */
export function judgeBottleneck(generatorCores: number, serverCores: number | undefined, cores: number, otherCores = 0): Bottleneck {
  if (otherCores >= 0.5 && generatorCores + (serverCores ?? 0) + otherCores >= cores * 0.8) return "other processes";
  if (serverCores !== undefined && generatorCores + serverCores >= cores * 0.9) return "both (machine)";
  if (generatorCores >= 0.85) return "load generator";
  if (serverCores !== undefined && serverCores >= 0.85) return "server";
  return "neither";
}

/** Measures from construction to `stop()`. */
export class CpuMeter {
  #pgid: Pgids | undefined;
  #started = performance.now();
  #self = process.cpuUsage();
  #server: ProcessGroupSample | undefined;
  #machine = machineBusySeconds();
  #cores: number;

  constructor(serverPgid: Pgids | undefined, cores: number) {
    this.#pgid = serverPgid;
    this.#cores = cores;
    this.#server = serverPgid === undefined ? undefined : sampleProcessGroup(serverPgid);
  }

  stop(): CpuReport {
    const seconds = (performance.now() - this.#started) / 1000;
    const self = process.cpuUsage(this.#self);
    const generatorCores = (self.user + self.system) / 1e6 / seconds;
    let serverCores: number | undefined;
    let serverRssBytes: number | undefined;
    if (this.#pgid !== undefined && this.#server) {
      const now = sampleProcessGroup(this.#pgid);
      serverCores = (now.cpuSeconds - this.#server.cpuSeconds) / seconds;
      serverRssBytes = now.rssBytes;
    }
    const machineNow = machineBusySeconds();
    const otherCores =
      machineNow === undefined || this.#machine === undefined ? undefined : Math.max(0, (machineNow - this.#machine) / seconds - generatorCores - (serverCores ?? 0));
    return { seconds, generatorCores, serverCores, serverRssBytes, otherCores, bottleneck: judgeBottleneck(generatorCores, serverCores, this.#cores, otherCores) };
  }
}
