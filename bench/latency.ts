/**
 * Latency bookkeeping. Every sample is kept (a Float64Array that grows by doubling): a full run records at
 * most a few million deliveries, and exact percentiles are worth the memory. The clock is injected so the
 * tests can drive it by hand.
 */

/** Milliseconds from an arbitrary origin. In the tool: `performance.now()`, one clock for every client. */
export type Clock = () => number;

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export class LatencyRecorder {
  #samples = new Float64Array(1024);
  #count = 0;
  #sorted: Float64Array | undefined;

  /** Records one send-to-observe latency; `sentAt` and `observedAt` come from the same clock. */
  record(sentAt: number, observedAt: number): void {
    this.add(Math.max(0, observedAt - sentAt));
  }

  add(ms: number): void {
    if (this.#count === this.#samples.length) {
      const grown = new Float64Array(this.#samples.length * 2);
      grown.set(this.#samples);
      this.#samples = grown;
    }
    this.#samples[this.#count++] = ms;
    this.#sorted = undefined;
  }

  get count(): number {
    return this.#count;
  }

  /** Merges another recorder's samples into this one (per-room recorders into a scenario's). */
  merge(other: LatencyRecorder): void {
    for (const ms of other.sorted()) this.add(ms);
  }

  /** The samples in ascending order (cached until the next `add`). */
  sorted(): Float64Array {
    this.#sorted ??= this.#samples.slice(0, this.#count).sort();
    return this.#sorted;
  }

  /** The p-th percentile (0-100), nearest-rank: the smallest sample with at least p% of samples at or below it. */
  percentile(p: number): number {
    return percentile(this.sorted(), p);
  }

  summary(): LatencySummary {
    const sorted = this.sorted();
    let sum = 0;
    for (const ms of sorted) sum += ms;
    return {
      count: sorted.length,
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      max: sorted.length ? sorted[sorted.length - 1]! : NaN,
      mean: sorted.length ? sum / sorted.length : NaN,
    };
  }
}

/** Nearest-rank percentile of ascending samples; NaN when there are none. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/**
 * The latency distribution as (ms, fraction at or below) points on log-spaced bounds, for the chart:
 * small, and comparable between servers whatever their sample counts.
 */
export function cumulativeDistribution(sorted: ArrayLike<number>, bounds = logBounds(0.1, 10_000, 60)): [number, number][] {
  const points: [number, number][] = [];
  let i = 0;
  for (const bound of bounds) {
    while (i < sorted.length && sorted[i]! <= bound) i++;
    points.push([bound, sorted.length ? i / sorted.length : 0]);
  }
  return points;
}

export function logBounds(min: number, max: number, steps: number): number[] {
  const ratio = Math.pow(max / min, 1 / (steps - 1));
  return Array.from({ length: steps }, (_, i) => min * Math.pow(ratio, i));
}
