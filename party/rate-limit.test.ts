import { describe, expect, it } from "vitest";
import { TokenBucket } from "./rate-limit.ts";

describe("TokenBucket", () => {
  it("passes a burst up to its capacity, then refills at its rate", () => {
    let now = 0;
    const bucket = new TokenBucket({ capacity: 10, perSecond: 5, now: () => now });
    expect(bucket.take(10)).toBe(true);
    expect(bucket.take(1)).toBe(false);
    now += 200;
    expect(bucket.take(1)).toBe(true);
    expect(bucket.take(1)).toBe(false);
    now += 10_000;
    expect(bucket.take(10)).toBe(true);
    expect(bucket.take(1)).toBe(false);
  });

  it("takes nothing when it refuses", () => {
    let now = 0;
    const bucket = new TokenBucket({ capacity: 10, perSecond: 1, now: () => now });
    expect(bucket.take(11)).toBe(false);
    expect(bucket.take(10)).toBe(true);
  });

  it("holds a sustained rate at its refill rate (seeded)", () => {
    const seed = Number(process.env.SEED ?? 1234);
    console.log(`TokenBucket sustained-rate test, seed ${seed} (SEED=${seed} reproduces it)`);
    let state = seed;
    const random = () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    let now = 0;
    const bucket = new TokenBucket({ capacity: 100, perSecond: 50, now: () => now });
    let taken = 0;
    for (let i = 0; i < 10_000; i++) {
      now += random() * 10;
      if (bucket.take(1)) taken++;
    }
    // ~50 s of offers at ~200 a second: at most the burst plus 50 a second pass.
    expect(taken, `seed ${seed}`).toBeLessThanOrEqual(100 + (now / 1_000) * 50 + 1);
    expect(taken, `seed ${seed}`).toBeGreaterThan((now / 1_000) * 50 * 0.95);
  });
});
