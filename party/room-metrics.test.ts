import { describe, expect, it } from "vitest";
import type { RoomMetricsReport } from "@collab/protocol";
import { RoomMetrics } from "./room-metrics.ts";

function setup(options: { fail?: () => boolean } = {}) {
  const reports: RoomMetricsReport[] = [];
  let writes = 0;
  let connections = 1;
  const metrics = new RoomMetrics({
    send: async (report) => {
      if (options.fail?.()) throw new Error("store down");
      reports.push(report);
    },
    gauges: () => ({ connections }),
    storageWrites: () => writes,
    intervalMs: 60_000,
    onError: () => {},
  });
  return { metrics, reports, addWrites: (n: number) => (writes += n), setConnections: (n: number) => (connections = n) };
}

describe("RoomMetrics", () => {
  it("reports increments since the last report, storage writes as a difference, and the gauges", async () => {
    const { metrics, reports, addWrites, setConnections } = setup();
    metrics.count("updates_received", 3);
    metrics.closed(4429);
    addWrites(2);
    await metrics.flush();
    metrics.count("updates_received");
    addWrites(5);
    setConnections(0);
    await metrics.flush();
    metrics.dispose();
    expect(reports).toEqual([
      { counters: { updates_received: 3, "closes:4429": 1, storage_writes: 2 }, gauges: { connections: 1 } },
      { counters: { updates_received: 1, storage_writes: 5 }, gauges: { connections: 0 } },
    ]);
  });

  it("keeps a failed report's increments for the next one", async () => {
    let down = true;
    const { metrics, reports } = setup({ fail: () => down });
    metrics.count("updates_received", 2);
    await metrics.flush();
    metrics.count("updates_received", 1);
    down = false;
    await metrics.flush();
    metrics.dispose();
    expect(reports).toEqual([{ counters: { updates_received: 3 }, gauges: { connections: 1 } }]);
  });

  it("gives its gauges a TTL of three intervals", () => {
    expect(setup().metrics.ttlSeconds).toBe(180);
  });
});
