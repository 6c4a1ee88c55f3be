import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { clearPending, PendingBudget, pendingBytes } from "./pending-budget.ts";

function budget() {
  let now = 1_000;
  const b = new PendingBudget<string>({ maxBytes: 100, maxAgeMs: 30_000, now: () => now });
  return { b, advance: (ms: number) => (now += ms) };
}

describe("pendingBytes", () => {
  it("measures pending structs and deletions that Yjs keeps for a gap, and clearPending drops them", () => {
    const author = new Y.Doc();
    const text = author.getText("t");
    text.insert(0, "first");
    const afterFirst = Y.encodeStateVector(author);
    text.insert(5, " second");
    const gapped = Y.encodeStateAsUpdate(author, afterFirst);
    const room = new Y.Doc();
    Y.applyUpdate(room, gapped);
    expect(room.getText("t").toString()).toBe("");
    expect(pendingBytes(room)).toBeGreaterThan(0);
    // The encoded state carries it although the document shows nothing: why it must be counted.
    expect(Y.encodeStateAsUpdate(room).byteLength).toBeGreaterThan(gapped.byteLength - 1);
    clearPending(room);
    expect(pendingBytes(room)).toBe(0);
  });
});

describe("PendingBudget", () => {
  it("charges a connection what its frames added, and is over past maxBytes", () => {
    const { b } = budget();
    expect(b.record("a", 0, 60)).toBe(false);
    expect(b.record("b", 60, 90)).toBe(false);
    expect(b.record("a", 90, 131)).toBe(true);
    expect(b.contributors().sort()).toEqual(["a", "b"]);
  });

  it("forgets every charge once the pending state empties", () => {
    const { b } = budget();
    b.record("a", 0, 90);
    b.record("b", 90, 0);
    expect(b.size).toBe(0);
    expect(b.record("a", 0, 20)).toBe(false);
  });

  it("does not charge frames that shrink or keep the pending state", () => {
    const { b } = budget();
    b.record("a", 0, 50);
    expect(b.record("b", 50, 40)).toBe(false);
    expect(b.contributors()).toEqual(["a"]);
  });

  it("is overdue once the oldest charge is older than maxAgeMs", () => {
    const { b, advance } = budget();
    b.record("a", 0, 10);
    advance(29_999);
    expect(b.overdue()).toBe(false);
    advance(1);
    expect(b.overdue()).toBe(true);
    b.clear();
    expect(b.overdue()).toBe(false);
  });
});
