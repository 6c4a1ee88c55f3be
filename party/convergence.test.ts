import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { randomSeed } from "../tools/random.ts";
import { runConvergence } from "./testing/convergence-run.ts";

/**
 * The room's logic in one process (group commit, update log, frame guard, client id ownership, y-partykit),
 * under random delivery order, duplicates, drops, crashes and a hostile client: see convergence-run.ts.
 * Seconds, not minutes; the real-socket suites (sync, durability, client-id-ownership) stay the proof.
 *
 * Each run prints its seeds. `SEED=<n> npx vitest run party/convergence.test.ts` replays one exactly
 * (fake timers: nothing but the seed decides the order of events).
 */
const SEEDS = process.env.SEED ? [Number(process.env.SEED)] : Array.from({ length: 12 }, randomSeed);

beforeEach(() => {
  // The group commit's setTimeout never fires by itself: the simulation ends each turn explicitly.
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("seeded convergence of the room's logic", () => {
  it("every client converges with the room and its storage, and no crash loses an acknowledged edit", async () => {
    console.log(`[convergence] seeds ${SEEDS.join(", ")} (SEED=<seed> replays one)`);
    const totals: Record<string, number> = {};
    for (const seed of SEEDS) {
      const result = await runConvergence({ seed, steps: 600, clients: 3 });
      expect(result.violations, `SEED=${seed} reproduces`).toEqual([]);
      for (const [name, count] of Object.entries(result.counts)) totals[name] = (totals[name] ?? 0) + count;
    }
    console.log(`[convergence] ${JSON.stringify(totals)}`);
    // The 12 seeds exercised what they claim to: crashes, drops, duplicates, and refusals of both attacks
    // (one replayed seed may miss some).
    if (SEEDS.length > 1) {
      for (const name of ["crashes", "drops", "duplicates", "forgeriesRefused", "garbageRefused"]) expect(totals[name], name).toBeGreaterThan(0);
    }
  });

  it("can fail: with the group commit bypassed, a crash loses edits a client had received", async () => {
    // Fixed seeds, so this proof never flakes: with the bypass, 9 of seeds 1-12 lose an acknowledged edit.
    for (const seed of [1, 2, 3]) {
      const result = await runConvergence({ seed, steps: 600, clients: 3, holdUntilSynced: true, unsafeCommitDelayMs: 1 });
      expect(result.violations.some((line) => line.includes("a crash lost an edit")), `seed ${seed}`).toBe(true);
    }
  });

  // A bug this test found: y-partykit's provider sends an edit typed while it reconnects before its sync
  // answer, so the edit arrives without the edits it depends on and waits in the room as pending structs.
  // The room's sync answers (Yjs's encodeStateAsUpdate) handed those to other clients, which later re-sent
  // them under the first client's id and were closed with 4423 (23 of seeds 1-150). The room now answers
  // sync step 1 without pending state (sync-answer.ts); these seeds found it.
  it("an early edit's pending structs never reach other clients (seeds 17 and 20 found the bug)", async () => {
    for (const seed of [17, 20]) {
      const result = await runConvergence({ seed, steps: 600, clients: 3 });
      expect(result.violations, `seed ${seed}`).toEqual([]);
    }
  });
});
