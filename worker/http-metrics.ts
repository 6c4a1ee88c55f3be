import type { PrometheusText, Sample } from "./prometheus.ts";

/** Latency buckets in seconds: API calls are milliseconds; a room command or a cold database, seconds. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

interface Series {
  method: string;
  route: string;
  count: number;
  sum: number;
  buckets: number[];
  statuses: Map<number, number>;
}

/**
 * The worker's request counters and latency histogram, in this isolate's memory. Labels are the route
 * pattern (`/api/documents/:id`), never the path, so their number is bounded by the routes.
 *
 * Per isolate, on purpose: a Worker keeps no state across isolates, and Cloudflare runs many. A scrape of
 * `/api/metrics` sees the isolate that served it; `instance` says which (its counters start at 0). In
 * production, Workers Analytics or Logpush of the JSON request lines (LOG_LEVEL=debug) sees them all.
 */
export class HttpMetrics {
  #instance: string | undefined;

  /** Which isolate answered (random per isolate; made on first use: workerd allows no randomness at start-up). */
  get instance(): string {
    this.#instance ??= crypto.randomUUID().slice(0, 8);
    return this.#instance;
  }

  readonly #series = new Map<string, Series>();

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route}`;
    let series = this.#series.get(key);
    if (!series) {
      series = { method, route, count: 0, sum: 0, buckets: LATENCY_BUCKETS.map(() => 0), statuses: new Map() };
      this.#series.set(key, series);
    }
    series.count++;
    series.sum += seconds;
    LATENCY_BUCKETS.forEach((bound, i) => {
      if (seconds <= bound) series.buckets[i]!++;
    });
    series.statuses.set(status, (series.statuses.get(status) ?? 0) + 1);
  }

  write(text: PrometheusText): void {
    const all = [...this.#series.values()];
    const requests: Sample[] = all.flatMap((s) => [...s.statuses].map(([status, n]): Sample => [{ method: s.method, route: s.route, status: String(status), instance: this.instance }, n]));
    text.family("collab_http_requests_total", "counter", "Requests this worker isolate answered, by method, route pattern and status.", requests);
    const latency: Sample[] = all.flatMap((s) => {
      const labels = { method: s.method, route: s.route, instance: this.instance };
      return [
        ...LATENCY_BUCKETS.map((bound, i): Sample => [{ ...labels, le: String(bound) }, s.buckets[i]!, "_bucket"]),
        [{ ...labels, le: "+Inf" }, s.count, "_bucket"],
        [labels, Math.round(s.sum * 1e6) / 1e6, "_sum"],
        [labels, s.count, "_count"],
      ];
    });
    text.family("collab_http_request_duration_seconds", "histogram", "Time to the response's headers (streams: to their start), by method and route pattern.", latency);
  }
}

/** The isolate's one registry. */
export const httpMetrics = new HttpMetrics();
