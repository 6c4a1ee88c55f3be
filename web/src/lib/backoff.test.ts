import { describe, expect, it } from "vitest";
import { fullJitterDelay } from "./backoff.ts";

const options = { baseMs: 500, capMs: 10_000 };

describe("fullJitterDelay", () => {
  it.each([
    [0, 500],
    [1, 1_000],
    [3, 4_000],
    [5, 10_000],
    [60, 10_000],
  ])("attempt %i waits at most %i ms", (attempt, ceiling) => {
    expect(fullJitterDelay(attempt, options, () => 0.999_999)).toBe(ceiling - 1);
    expect(fullJitterDelay(attempt, options, () => 0)).toBe(0);
  });

  it("spreads delays over the whole window", () => {
    const delays = Array.from({ length: 2_000 }, () => fullJitterDelay(4, options));
    expect(Math.min(...delays)).toBeLessThan(800);
    expect(Math.max(...delays)).toBeGreaterThan(7_200);
  });
});
