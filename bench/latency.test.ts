import { describe, expect, it } from "vitest";
import { cumulativeDistribution, LatencyRecorder, percentile } from "./latency.ts";
import { editMarker, measuredSendTimes } from "./edits.ts";
import * as Y from "yjs";

describe("latency bookkeeping", () => {
  it("computes nearest-rank percentiles from a hand-driven clock", () => {
    const recorder = new LatencyRecorder();
    let now = 1_000;
    const clock = () => now;
    // 100 deliveries taking 1..100 ms, recorded out of order.
    for (const ms of [...Array(100).keys()].map((i) => i + 1).reverse()) {
      const sentAt = clock();
      now += ms;
      recorder.record(sentAt, clock());
    }
    expect(recorder.summary()).toEqual({ count: 100, p50: 50, p90: 90, p99: 99, max: 100, mean: 50.5 });
  });

  it("never records a negative latency, and grows past its initial capacity", () => {
    const recorder = new LatencyRecorder();
    recorder.record(10, 9);
    for (let i = 0; i < 5_000; i++) recorder.add(i % 7);
    expect(recorder.count).toBe(5_001);
    expect(recorder.sorted()[0]).toBe(0);
    expect(recorder.percentile(100)).toBe(6);
  });

  it("reports NaN, not zero, when nothing was delivered", () => {
    expect(percentile([], 99)).toBeNaN();
    expect(new LatencyRecorder().summary().p99).toBeNaN();
  });

  it("builds a cumulative distribution that ends at 1", () => {
    const points = cumulativeDistribution([1, 2, 3, 4], [1, 2.5, 10]);
    expect(points).toEqual([[1, 0.25], [2.5, 0.5], [10, 1]]);
  });

  it("reads the send time back out of the update an observer receives", () => {
    const writer = new Y.Doc();
    const reader = new Y.Doc();
    const received: number[] = [];
    reader.on("update", (update: Uint8Array) => received.push(...measuredSendTimes(update)));
    writer.on("update", (update: Uint8Array) => Y.applyUpdate(reader, update));
    const text = writer.getText("content");
    text.insert(0, editMarker(1234.567, true));
    text.insert(3, editMarker(99, false)); // warm-up edits are not measured, and may land inside another marker
    text.insert(0, editMarker(5_000_000.001, true));
    expect(received).toEqual([1234.567, 5_000_000.001]);
  });
});
