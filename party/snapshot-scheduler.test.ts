import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SnapshotScheduler } from "./snapshot-scheduler.ts";

// Pure timing logic: a fake clock makes the debounce and backoff arithmetic exact and fast.
beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function scheduler(save: () => Promise<void>) {
  const errors: number[] = [];
  const s = new SnapshotScheduler({ save, debounceMs: 2_000, maxWaitMs: 10_000, retryInitialMs: 500, retryMaxMs: 4_000, onError: (_, ms) => errors.push(ms) });
  return { s, errors };
}

describe("SnapshotScheduler", () => {
  it("saves once, 2 s after the last edit of a burst", async () => {
    const save = vi.fn(async () => {});
    const { s } = scheduler(save);
    s.markDirty();
    await vi.advanceTimersByTimeAsync(1_500);
    s.markDirty();
    await vi.advanceTimersByTimeAsync(1_999);
    expect(save).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(save).toHaveBeenCalledTimes(1);
    expect(s.dirty).toBe(false);
  });

  it("saves nothing once disposed, not even on a flush, until revived", async () => {
    const save = vi.fn(async () => {});
    const { s } = scheduler(save);
    s.markDirty();
    s.dispose();
    await s.flush();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(save).not.toHaveBeenCalled();
    expect(s.dirty).toBe(true);
    s.revive();
    await s.flush();
    expect(save).toHaveBeenCalledTimes(1);
    // Revived, it schedules again on its own (a document restored from the trash and edited).
    s.markDirty();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(save).toHaveBeenCalledTimes(2);
  });

  it("schedules again after a dispose that left a timer armed, once revived", async () => {
    const save = vi.fn(async () => {});
    const { s } = scheduler(save);
    s.markDirty();
    s.dispose();
    s.revive();
    s.markDirty();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(save).toHaveBeenCalledTimes(1);
  });

  it("saves at least every 10 s while edits keep coming", async () => {
    const save = vi.fn(async () => {});
    const { s } = scheduler(save);
    for (let t = 0; t < 25_000; t += 500) {
      s.markDirty();
      await vi.advanceTimersByTimeAsync(500);
    }
    expect(save).toHaveBeenCalledTimes(2);
  });

  it("keeps the document dirty and retries with backoff after failures", async () => {
    let failuresLeft = 3;
    const save = vi.fn(async () => {
      if (failuresLeft-- > 0) throw new Error("database down");
    });
    const { s, errors } = scheduler(save);
    s.markDirty();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(s.dirty).toBe(true);
    await vi.advanceTimersByTimeAsync(500 + 1_000 + 2_000);
    expect(errors).toEqual([500, 1_000, 2_000]);
    expect(save).toHaveBeenCalledTimes(4);
    expect(s.dirty).toBe(false);
    expect(s.failures).toBe(0);
  });

  it("saves again when edits arrive during a save", async () => {
    let finish!: () => void;
    const save = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const { s } = scheduler(save);
    s.markDirty();
    await vi.advanceTimersByTimeAsync(2_000);
    s.markDirty();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(save).toHaveBeenCalledTimes(1);
    finish();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(save).toHaveBeenCalledTimes(2);
  });

  it("flush saves at once and does nothing when clean", async () => {
    const save = vi.fn(async () => {});
    const { s } = scheduler(save);
    await s.flush();
    expect(save).not.toHaveBeenCalled();
    s.markDirty();
    await s.flush();
    expect(save).toHaveBeenCalledTimes(1);
  });

  it("arms one timer for a burst of edits, not one per keystroke (markDirty is on the typing path)", async () => {
    const save = vi.fn(async () => {});
    const { s } = scheduler(save);
    const setTimeoutSpy = vi.spyOn(globalThis, "setTimeout");
    try {
      for (let i = 0; i < 1_000; i++) s.markDirty();
      expect(setTimeoutSpy).toHaveBeenCalledTimes(1);
    } finally {
      // Before the fake timers are uninstalled (afterEach): the global must not keep a spy on a fake.
      setTimeoutSpy.mockRestore();
    }
    await vi.advanceTimersByTimeAsync(2_000);
    expect(save).toHaveBeenCalledTimes(1);
  });

  it("with jitter, rooms that start together spread their saves and their retries", async () => {
    const seed = Number(process.env.SEED ?? 20261130);
    console.log(`SnapshotScheduler jitter test, seed ${seed} (SEED=${seed} reproduces it)`);
    let state = seed;
    const random = () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const savedAt: number[] = [];
    const retries: number[] = [];
    let failing = false;
    const rooms = Array.from({ length: 20 }, () =>
      new SnapshotScheduler({
        save: async () => {
          if (failing) throw new Error("database down");
          savedAt.push(Date.now());
        },
        debounceMs: 2_000,
        maxWaitMs: 10_000,
        retryInitialMs: 500,
        retryMaxMs: 4_000,
        jitter: 0.25,
        random,
        onError: (_, ms) => retries.push(ms),
      }),
    );
    const start = Date.now();
    // Everyone types without a pause: only the maximum wait saves.
    for (let t = 0; t < 10_000; t += 100) {
      rooms.forEach((room) => room.markDirty());
      await vi.advanceTimersByTimeAsync(100);
    }
    const waits = savedAt.map((at) => at - start);
    expect(waits).toHaveLength(20);
    // Never later than the maximum wait, never earlier than its jitter allows, and not all in one instant.
    expect(Math.max(...waits)).toBeLessThanOrEqual(10_000);
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(7_500);
    expect(new Set(waits.map((w) => Math.floor(w / 100))).size).toBeGreaterThan(10);
    failing = true;
    rooms.forEach((room) => room.markDirty());
    await vi.advanceTimersByTimeAsync(2_000);
    expect(retries).toHaveLength(20);
    expect(Math.max(...retries)).toBeLessThanOrEqual(500);
    expect(Math.min(...retries)).toBeGreaterThanOrEqual(375);
    expect(new Set(retries).size).toBeGreaterThan(10);
    rooms.forEach((room) => room.dispose());
  });
});
