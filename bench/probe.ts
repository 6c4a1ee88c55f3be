import type { BenchClient, ClientFactory } from "./clients.ts";
import { until } from "./scenarios/rooms.ts";

/**
 * An honest editor and an honest reader in one room: the editor appends a small numbered edit every
 * `intervalMs`, the reader notes when each arrives. Under a stalled event loop the deliveries bunch up: the
 * longest gap between two deliveries (the edits leave every 20 ms) is how long the room stopped, and the
 * longest send-to-delivery time is what a user typing meanwhile felt.
 */
export interface ProbeReport {
  sent: number;
  delivered: number;
  /** Longest time between two consecutive deliveries, including the wait from the start and until the end. */
  longestGapMs: number;
  /** When that gap ended, in ms from the start of the window (tells a stall at the start from one mid-run). */
  longestGapEndMs: number;
  /** How many gaps were over 50 ms: one warm-up pause and a stall an attacker can repeat look alike in `longestGapMs`. */
  gapsOver50Ms: number;
  /** Longest send-to-delivery time of a delivered edit. */
  maxLatencyMs: number;
}

export class Probe {
  readonly writer: BenchClient;
  readonly reader: BenchClient;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #sentAt: number[] = [];
  #deliveredAt: number[] = [];
  #maxLatency = 0;
  #windowStart = 0;

  constructor(factory: ClientFactory, docId: string, intervalMs = 20) {
    this.#intervalMs = intervalMs;
    this.writer = factory(docId);
    this.reader = factory(docId);
    this.reader.text.observe((event) => {
      const now = performance.now();
      for (const op of event.delta) {
        if (typeof op.insert !== "string") continue;
        for (const match of op.insert.matchAll(/<(\d+)>/g)) {
          const sentAt = this.#sentAt[Number(match[1])];
          if (sentAt === undefined) continue;
          this.#deliveredAt.push(now);
          this.#maxLatency = Math.max(this.#maxLatency, now - sentAt);
        }
      }
    });
  }

  async ready(timeoutMs = 30_000): Promise<void> {
    const synced = Promise.all([this.writer.synced, this.reader.synced]);
    if (!(await Promise.race([synced.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs))]))) {
      throw new Error(`probe did not sync within ${timeoutMs} ms`);
    }
  }

  start(): void {
    this.#windowStart = performance.now();
    this.#timer = setInterval(() => {
      const n = this.#sentAt.length;
      this.#sentAt.push(performance.now());
      // Appended and soon deleted, so the probe's room stays small however long it runs.
      const text = this.writer.text;
      text.insert(text.length, `<${n}>`);
      if (text.length > 2_000) text.delete(0, 1_000);
    }, this.#intervalMs);
  }

  /** Stops sending, waits up to `drainMs` for the last edits, and reports. */
  async stop(drainMs = 2_000): Promise<ProbeReport> {
    clearInterval(this.#timer);
    const sent = this.#sentAt.length;
    const stoppedAt = performance.now();
    await until(() => this.#deliveredAt.length >= sent, drainMs);
    const marks = [this.#windowStart, ...this.#deliveredAt];
    // An edit still missing at the end stalls until the end of the window.
    if (this.#deliveredAt.length < sent) marks.push(Math.max(stoppedAt, performance.now()));
    let longestGapMs = 0;
    let longestGapEndMs = 0;
    let gapsOver50Ms = 0;
    for (let i = 1; i < marks.length; i++) {
      const gap = marks[i]! - marks[i - 1]!;
      if (gap > 50) gapsOver50Ms++;
      if (gap <= longestGapMs) continue;
      longestGapMs = gap;
      longestGapEndMs = marks[i]! - this.#windowStart;
    }
    return { sent, delivered: this.#deliveredAt.length, longestGapMs, longestGapEndMs, gapsOver50Ms, maxLatencyMs: this.#maxLatency };
  }

  destroy(): void {
    clearInterval(this.#timer);
    this.writer.destroy();
    this.reader.destroy();
  }
}
