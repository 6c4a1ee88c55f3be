import { describe, expect, it } from "vitest";
import { relativeTime } from "./relative-time.ts";

const now = Date.parse("2026-03-10T12:00:00Z");
const ago = (seconds: number) => new Date(now - seconds * 1000).toISOString();

describe("relativeTime", () => {
  it.each([
    [0, "just now"],
    [-30, "just now"],
    [44, "just now"],
    [50, "1 minute ago"],
    [5 * 60, "5 minutes ago"],
    [59 * 60, "1 hour ago"],
    [3 * 3600, "3 hours ago"],
    [24 * 3600, "yesterday"],
    [3 * 24 * 3600, "3 days ago"],
    [7 * 24 * 3600, "last week"],
    [15 * 24 * 3600, "2 weeks ago"],
    [45 * 24 * 3600, "2 months ago"],
    [400 * 24 * 3600, "last year"],
  ])("%i s ago -> %s", (seconds, text) => {
    expect(relativeTime(ago(seconds), now)).toBe(text);
  });

  it("is empty for a date it cannot read", () => {
    expect(relativeTime("not a date", now)).toBe("");
  });
});
