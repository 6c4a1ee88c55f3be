import { closesCounter, RoomCounter, type RoomMetricsReport } from "@collab/protocol";

export interface RoomMetricsOptions {
  /** Sends a report (the presence store's `reportMetrics`). */
  send: (report: RoomMetricsReport) => Promise<void>;
  /** The room's gauges now (connections, snapshot age, document size). */
  gauges: () => RoomMetricsReport["gauges"];
  /** Storage writes since the room started (cumulative); reported as increments. */
  storageWrites: () => number;
  /** A report at most this often, and this often while anyone is connected (the gauges' refresh). */
  intervalMs: number;
  /** A report failed; `consecutive` counts failures in a row (log the first, not one every interval). */
  onError: (error: unknown, consecutive: number) => void;
}

/**
 * A room's counters for `GET /api/metrics` (see protocol/room-metrics.ts). Counting is a field increment on
 * the editing path; reports leave on a timer, never per message: at most one every `intervalMs`, and one
 * every `intervalMs` while anyone is connected so the gauges stay alive (their TTL is three intervals).
 * A report that fails is added back, so its increments go with the next one instead of being lost.
 */
export class RoomMetrics {
  readonly #options: RoomMetricsOptions;
  #pending: Record<string, number> = {};
  #reportedWrites = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #sending = false;
  #disposed = false;
  #failures = 0;

  constructor(options: RoomMetricsOptions) {
    this.#options = options;
  }

  /** The gauges' TTL in seconds: a room that stops reporting (crashed, evicted) leaves the gauges soon. */
  get ttlSeconds(): number {
    return (3 * this.#options.intervalMs) / 1000;
  }

  count(counter: (typeof RoomCounter)[keyof typeof RoomCounter], by = 1): void {
    this.#add(counter, by);
  }

  /** The room closed a socket with `code`. */
  closed(code: number): void {
    this.#add(closesCounter(code), 1);
  }

  /** Something the gauges show changed (a connection came or went): report within the interval. */
  touch(): void {
    this.#schedule();
  }

  /** Stops reporting (the document was deleted). */
  dispose(): void {
    this.#disposed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Sends what has accumulated now; resolves when the report was sent or failed. */
  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#disposed || this.#sending) return;
    const writes = this.#options.storageWrites();
    if (writes > this.#reportedWrites) this.#pending[RoomCounter.storageWrites] = (this.#pending[RoomCounter.storageWrites] ?? 0) + writes - this.#reportedWrites;
    this.#reportedWrites = Math.max(this.#reportedWrites, writes);
    const counters = this.#pending;
    this.#pending = {};
    const gauges = this.#options.gauges();
    this.#sending = true;
    try {
      await this.#options.send({ counters, gauges });
      this.#failures = 0;
    } catch (error) {
      for (const [key, value] of Object.entries(counters)) this.#pending[key] = (this.#pending[key] ?? 0) + value;
      this.#options.onError(error, ++this.#failures);
    } finally {
      this.#sending = false;
    }
    if ((gauges.connections ?? 0) > 0 || Object.keys(this.#pending).length > 0) this.#schedule();
  }

  #add(key: string, by: number): void {
    this.#pending[key] = (this.#pending[key] ?? 0) + by;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer || this.#disposed) return;
    this.#timer = setTimeout(() => void this.flush(), this.#options.intervalMs);
  }
}
