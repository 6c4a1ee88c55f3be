import type { VersionSummary } from "@collab/protocol";
import { describe, expect, it } from "vitest";
import { authorsAsUsers, groupByDay, restoredLabel, timeOf, versionTitle } from "./version-groups.ts";

const at = (date: Date): VersionSummary => ({ id: date.toISOString(), createdAt: date.toISOString(), name: null, kind: "auto", authors: [], textLength: 0 });

describe("groupByDay", () => {
  // Local-time dates, so the test holds in any time zone.
  const now = new Date(2026, 10, 30, 12, 0);

  it("groups newest-first versions by local day and keeps their order", () => {
    const items = [new Date(2026, 10, 30, 11, 0), new Date(2026, 10, 30, 0, 5), new Date(2026, 10, 29, 23, 59), new Date(2026, 10, 23, 9), new Date(2025, 0, 2, 9)].map(at);
    const days = groupByDay(items, now);
    expect(days.map((day) => [day.label, day.items.length])).toEqual([
      ["Today", 2],
      ["Yesterday", 1],
      ["Mon, Nov 23", 1],
      ["Thu, Jan 2, 2025", 1],
    ]);
    expect(days.flatMap((day) => day.items)).toEqual(items);
  });

  it("has nothing for no versions", () => {
    expect(groupByDay([], now)).toEqual([]);
  });
});

describe("names", () => {
  const version = at(new Date(2026, 10, 30, 10, 42));

  it("uses the name, else the local time", () => {
    expect(timeOf(version.createdAt)).toBe("10:42");
    expect(versionTitle(version)).toBe("10:42");
    expect(versionTitle({ ...version, name: "before refactor" })).toBe("before refactor");
  });

  it("words the restore notice", () => {
    expect(restoredLabel(version)).toBe("the version from 10:42");
    expect(restoredLabel({ ...version, name: "draft" })).toBe("“draft”");
  });

  it("draws authors by display name, falling back to the username", () => {
    expect(authorsAsUsers([{ id: "u1", username: "ada", displayName: "", color: "#e6194b" }])).toEqual([{ id: "u1", name: "ada", color: "#e6194b", connections: 1 }]);
  });
});
