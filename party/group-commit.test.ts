import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GroupCommit, type Sendable } from "./group-commit.ts";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** Records, in one list, the commits and the sends in the order they happened. */
function recorder() {
  const events: string[] = [];
  const socket = (name: string): Sendable => ({ send: (data) => events.push(`${name}:${String(data)}`) });
  return { events, socket };
}

describe("GroupCommit", () => {
  it("holds every message until the end of the turn, then commits once and releases them after the commit", async () => {
    const { events, socket } = recorder();
    const commit = new GroupCommit(() => events.push("commit"));
    const a = socket("a");
    commit.send(a, "1");
    commit.send(socket("b"), "2");
    commit.send(a, "3");
    expect(events).toEqual([]);
    await vi.advanceTimersByTimeAsync(0);
    expect(events).toEqual(["commit", "a:1", "b:2", "a:3"]);
  });

  it("commits for updates no message depends on, once per turn", async () => {
    const commit = vi.fn();
    const group = new GroupCommit(commit);
    group.schedule();
    group.schedule();
    await vi.advanceTimersByTimeAsync(0);
    expect(commit).toHaveBeenCalledTimes(1);
  });

  it("flushes at once when asked (a large queue), releasing in that same turn", () => {
    const { events, socket } = recorder();
    const group = new GroupCommit(() => events.push("commit"));
    group.send(socket("a"), "1");
    group.flush();
    expect(events).toEqual(["commit", "a:1"]);
  });

  it("keeps releasing the others when one socket throws (it closed while its message waited)", async () => {
    const { events, socket } = recorder();
    const group = new GroupCommit(() => {});
    group.send({ send: () => { throw new Error("closed"); } }, "x");
    group.send(socket("b"), "2");
    await vi.advanceTimersByTimeAsync(0);
    expect(events).toEqual(["b:2"]);
  });

  it("releases nothing of a turn whose commit failed, nor anything after, until resumed", async () => {
    const { events, socket } = recorder();
    let group: GroupCommit;
    let fail = true;
    group = new GroupCommit(() => {
      events.push("commit");
      // The storage write could not be issued: the store halts the commit from inside it.
      if (fail) group.halt();
    });
    group.send(socket("a"), "depends on the failed write");
    await vi.advanceTimersByTimeAsync(0);
    group.send(socket("b"), "later");
    await vi.advanceTimersByTimeAsync(10);
    expect(events).toEqual(["commit"]);
    expect(group.heldCount).toBe(2);
    fail = false;
    group.resume();
    expect(events).toEqual(["commit", "commit", "a:depends on the failed write", "b:later"]);
    expect(group.heldCount).toBe(0);
  });

  it("the unsafe test bypass releases messages first and commits later", async () => {
    const { events, socket } = recorder();
    const group = new GroupCommit(() => events.push("commit"), { unsafeCommitDelayMs: 100 });
    group.send(socket("a"), "1");
    expect(events).toEqual(["a:1"]);
    await vi.advanceTimersByTimeAsync(99);
    expect(events).toEqual(["a:1"]);
    await vi.advanceTimersByTimeAsync(1);
    expect(events).toEqual(["a:1", "commit"]);
  });
});
