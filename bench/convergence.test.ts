import { describe, expect, it } from "vitest";
import { checkConvergence } from "./convergence.ts";
import { runLoad } from "./scenarios/load.ts";
import { memoryHub } from "./testing/memory-hub.ts";

const quickLoad = { rooms: 3, clientsPerRoom: 3, editsPerSecond: 40, warmupSeconds: 0.1, durationSeconds: 0.5, seed: 7, roomPrefix: "t" };

describe("convergence and delivery checks", () => {
  it("passes identical replicas and names a divergent room", () => {
    const result = checkConvergence([
      { room: "a", texts: ["x", "x"] },
      { room: "b", texts: ["x", "xy", "x"] },
    ]);
    expect(result.converged).toBe(false);
    expect(result.divergent).toEqual([{ room: "b", distinctTexts: 2, lengths: [1, 2, 1] }]);
  });

  it("a lossless server: every delivery arrives, every room converges", async () => {
    const result = await runLoad(memoryHub(), quickLoad);
    expect(result.sentEdits).toBeGreaterThan(20);
    expect(result.deliveries.received).toBe(result.deliveries.expected);
    expect(result.deliveries.expected).toBe(result.sentEdits * 2);
    expect(result.latency.count).toBe(result.deliveries.received);
    expect(result.convergence.converged).toBe(true);
    expect(result.ok).toBe(true);
  });

  it("a server that drops updates to one client: deliveries lost and the room diverges", async () => {
    let dropped = 0;
    const lossy = memoryHub({ deliver: (_update, to) => !(to === 2 && ++dropped % 5 === 0) });
    const result = await runLoad(lossy, { ...quickLoad, drainTimeoutMs: 300 });
    expect(result.deliveries.lost).toBeGreaterThan(0);
    expect(result.convergence.converged).toBe(false);
    expect(result.ok).toBe(false);
  });
});
