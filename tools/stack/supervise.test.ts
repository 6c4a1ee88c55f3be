import { describe, expect, it } from "vitest";
import { Backoff } from "./supervise.ts";

describe("Backoff", () => {
  it("doubles from 1 s up to 30 s while the service keeps crashing", () => {
    const backoff = new Backoff(undefined, 0);
    const delays = Array.from({ length: 7 }, (_, i) => {
      const delay = backoff.next(i * 100);
      backoff.started(i * 100 + 50);
      return delay;
    });
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });

  it("starts over after the service stayed up for a minute", () => {
    const backoff = new Backoff(undefined, 0);
    backoff.next(10);
    backoff.next(20);
    backoff.started(1_000);
    expect(backoff.next(61_000)).toBe(1_000);
  });
});
