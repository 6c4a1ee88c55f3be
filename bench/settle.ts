import { sampleProcessGroup, type Pgids } from "./cpu.ts";

/** What a server did after a scenario, until it went quiet (see {@link settle}). */
export interface Settled {
  /** From the end of the scenario until the start of the first quiet window (or `maxMs`). */
  ms: number;
  /** CPU seconds the server's processes (rooms and database) used meanwhile, the quiet window included. */
  cpuSeconds: number;
  /** False when `maxMs` passed first: the server never went quiet (a leak, a busy loop, a neighbour). */
  quiet: boolean;
}

export interface SettleOptions {
  /** Quiet: below this many cores over a whole window. */
  idleCores?: number;
  windowMs?: number;
  maxMs?: number;
}

/**
 * Waits for the server under test to go quiet after a scenario, so that the next scenario measures its own
 * load and not the previous one's aftermath. Rooms that empty do real work after their last client left
 * (collab: compact room storage, write the Postgres snapshot, the writer records and an automatic version).
 * On two cores that work competes with the next scenario's connection storm, and showed as its
 * connect-to-sync tail. What the aftermath cost is reported on its own.
 */
export async function settle(pgids: Pgids, options: SettleOptions = {}): Promise<Settled> {
  const { idleCores = 0.05, windowMs = 500, maxMs = 20_000 } = options;
  const started = performance.now();
  const first = sampleProcessGroup(pgids).cpuSeconds;
  let windowStart = first;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const now = sampleProcessGroup(pgids).cpuSeconds;
    const ms = performance.now() - started;
    const quiet = now - windowStart < (idleCores * windowMs) / 1000;
    if (quiet) return { ms: ms - windowMs, cpuSeconds: now - first, quiet };
    if (ms >= maxMs) return { ms, cpuSeconds: now - first, quiet };
    windowStart = now;
  }
}

/** "0.35 CPU s over 0.5 s", as the progress lines and the report show an aftermath. */
export function describeSettled(settled: Settled): string {
  return `${settled.cpuSeconds.toFixed(2)} CPU s over ${(settled.ms / 1000).toFixed(1)} s${settled.quiet ? "" : " (never quiet)"}`;
}
