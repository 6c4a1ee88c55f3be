import { colorFor } from "@collab/protocol";
import { describe, expect, it } from "vitest";
import { JoinLeaveTracker, presenceChanges } from "./presence-changes.ts";
import { presenceEntries } from "./presence-entries.ts";

/** The presence list for these awareness states, as `[userId, name]` pairs (one per tab), seen by "me". */
const room = (...tabs: [string, string][]) => presenceEntries(tabs.map(([id, name]) => ({ user: { id, name, ...colorFor(id) } })), "me");
const summary = (changes: ReturnType<typeof presenceChanges>) => changes.map((c) => `${c.user.name} ${c.kind}`);

describe("presenceChanges", () => {
  it("reports who joined and who left, joins first", () => {
    const before = room(["me", "Me"], ["a", "Ada"], ["b", "Bob"]);
    const after = room(["me", "Me"], ["b", "Bob"], ["c", "Cy"], ["d", "Di"]);
    expect(summary(presenceChanges(before, after))).toEqual(["Cy joined", "Di joined", "Ada left"]);
  });

  it("goes by account, not by tab: a second tab is no join, closing one of two is no leave", () => {
    const one = room(["me", "Me"], ["a", "Ada"]);
    const two = room(["me", "Me"], ["a", "Ada"], ["a", "Ada"]);
    expect(presenceChanges(one, two)).toEqual([]);
    expect(presenceChanges(two, one)).toEqual([]);
    expect(summary(presenceChanges(two, room(["me", "Me"])))).toEqual(["Ada left"]);
  });

  it("never reports yourself, in any number of tabs", () => {
    expect(presenceChanges(room(), room(["me", "Me"], ["me", "Me"]))).toEqual([]);
    expect(presenceChanges(room(["me", "Me"]), room())).toEqual([]);
  });

  it("carries the user, so a notice can show their name and colour", () => {
    const [change] = presenceChanges(room(), room(["a", "Ada"]));
    expect(change).toEqual({ kind: "joined", user: { id: "a", name: "Ada", ...colorFor("a") } });
  });
});

describe("JoinLeaveTracker", () => {
  it("reports nothing before the first start: the people already present are not news", () => {
    const tracker = new JoinLeaveTracker();
    expect(tracker.next(room(["a", "Ada"]))).toEqual([]);
    tracker.start(room(["a", "Ada"], ["b", "Bob"]));
    expect(tracker.next(room(["a", "Ada"], ["b", "Bob"], ["b", "Bob"]))).toEqual([]);
    expect(summary(tracker.next(room(["a", "Ada"], ["c", "Cy"])))).toEqual(["Cy joined", "Bob left"]);
  });

  it("ignores our own drop and reconnect, then tracks from the new baseline", () => {
    const tracker = new JoinLeaveTracker();
    tracker.start(room(["me", "Me"], ["a", "Ada"]));
    tracker.stop();
    // The socket closed: the provider removes every peer, then the room sends them again.
    expect(tracker.next(room(["me", "Me"]))).toEqual([]);
    expect(tracker.next(room(["me", "Me"], ["a", "Ada"]))).toEqual([]);
    expect(tracker.tracking).toBe(false);
    tracker.start(room(["me", "Me"], ["a", "Ada"]));
    expect(summary(tracker.next(room(["me", "Me"])))).toEqual(["Ada left"]);
  });
});
