import { describe, expect, it } from "vitest";
import { versionsToThin } from "./versions.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const now = new Date("2026-06-30T12:00:00.000Z");
const ago = (ms: number) => new Date(now.getTime() - ms);

describe("versionsToThin (fake clock)", () => {
  it("keeps every version of the last 24 hours", () => {
    const versions = Array.from({ length: 50 }, (_, i) => ({ id: `v${i}`, createdAt: ago(i * 20 * 60_000) })).filter((v) => v.createdAt > ago(DAY));
    expect(versionsToThin(versions, now)).toEqual([]);
  });

  it("keeps the newest of each hour between 1 and 30 days old", () => {
    const hourStart = Math.floor(ago(2 * DAY).getTime() / HOUR) * HOUR;
    const versions = [0, 10, 20, 59].map((minute) => ({ id: `m${minute}`, createdAt: new Date(hourStart + minute * 60_000) }));
    expect(versionsToThin(versions, now).sort()).toEqual(["m0", "m10", "m20"]);
  });

  it("keeps the newest of each day past 30 days", () => {
    const dayStart = Math.floor(ago(40 * DAY).getTime() / DAY) * DAY;
    const versions = [1, 5, 23].map((hour) => ({ id: `h${hour}`, createdAt: new Date(dayStart + hour * HOUR) }));
    expect(versionsToThin(versions, now).sort()).toEqual(["h1", "h5"]);
  });

  it("follows configured thresholds and is stable as the clock moves on", () => {
    const versions = Array.from({ length: 6 * 12 }, (_, i) => ({ id: `v${String(i).padStart(3, "0")}`, createdAt: ago(i * 5 * 60_000) }));
    // Keep all for 1 hour: the other 5 hours keep one each.
    const thinned = versionsToThin(versions, now, { keepAllHours: 1, hourlyDays: 30 });
    const kept = versions.filter((v) => !thinned.includes(v.id));
    const olderKept = kept.filter((v) => v.createdAt <= ago(HOUR));
    expect(new Set(olderKept.map((v) => Math.floor(v.createdAt.getTime() / HOUR))).size).toBe(olderKept.length);
    // Thinning what was kept again changes nothing.
    expect(versionsToThin(kept, now, { keepAllHours: 1, hourlyDays: 30 })).toEqual([]);
  });
});
