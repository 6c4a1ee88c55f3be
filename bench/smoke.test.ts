import { describe, expect, inject, it } from "vitest";
import { QUICK_PLAN, runPlan } from "./plan.ts";
import { Progress } from "./progress.ts";
import type { RunningServer } from "./servers.ts";
import { clientFactory } from "./clients.ts";
import { runLoad } from "./scenarios/load.ts";
import { apiTokens, signingTokens } from "./tokens.ts";

/**
 * The tool against the real stack for a few seconds: small loads and one keystroke trace through our room.
 * The full benchmark (`npm run bench`) does not run in CI.
 */
const { partyUrl, workerUrl, roomTokenSecret } = inject("stack");

describe("bench smoke run against the stack", () => {
  it("loads, replays and converges with nothing lost", { timeout: 60_000 }, async () => {
    const server: RunningServer = {
      name: "collab",
      target: { name: "collab", url: partyUrl, protocol: "y-websocket", party: "main", params: signingTokens(roomTokenSecret) },
      pgid: () => undefined,
      storage: "room storage + Postgres",
      durable: true,
      stop: async () => {},
    };
    const results = await runPlan(server, QUICK_PLAN, { seed: 1, runId: `smoke${Date.now().toString(36)}`, progress: new Progress() });
    expect(results.errors).toEqual({});
    for (const load of Object.values(results.load)) {
      expect(load.deliveries.lost).toBe(0);
      expect(load.deliveries.received).toBeGreaterThan(0);
      expect(load.convergence.converged).toBe(true);
    }
    const replay = results.replay["sveltecomponent x1"];
    if (replay) expect(replay.exact && replay.complete).toBe(true);
  });

  it("gets real room tokens through the REST API, as npm run loadtest -- --api does", { timeout: 30_000 }, async () => {
    const api = await apiTokens(workerUrl);
    const docId = await api.createDocument();
    const factory = clientFactory({ name: "stack", url: partyUrl, protocol: "y-websocket", party: "main", params: api.params });
    const result = await runLoad(factory, { rooms: 1, clientsPerRoom: 3, editsPerSecond: 5, warmupSeconds: 0.3, durationSeconds: 1.5, seed: 2, roomPrefix: "unused", docIds: [docId] });
    expect(result.connect.failures).toBe(0);
    expect(result.deliveries.received).toBeGreaterThan(0);
    expect(result.ok).toBe(true);
  });
});
