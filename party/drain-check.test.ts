import { describe, expect, it } from "vitest";
import { DrainCheck, UnreadByUser } from "./drain-check.ts";

describe("DrainCheck", () => {
  const options = { probeAfterBytes: 100, maxUnreadBytes: 1_000, random: () => 0.5 };

  it("asks for a probe past the threshold, once until it is answered", () => {
    const drain = new DrainCheck(options);
    expect(drain.sent(100)).toBe("ok");
    expect(drain.sent(1)).toBe("probe");
    const probe = drain.startProbe(42, 7);
    expect(probe).toEqual({ clientId: 42, clock: 8 + 2 ** 23 });
    expect(drain.sent(50)).toBe("ok");
  });

  it("counts everything sent before the probe as read once the peer renews its state at the probe's clock + 1", () => {
    const drain = new DrainCheck(options);
    drain.sent(500);
    const probe = drain.startProbe(42, 0);
    drain.sent(300);
    expect(drain.received(42, probe.clock - 5)).toBe(false);
    expect(drain.received(43, probe.clock + 1)).toBe(false);
    expect(drain.unread).toBe(800);
    expect(drain.received(42, probe.clock + 1)).toBe(true);
    expect(drain.unread).toBe(300);
    expect(drain.pending).toBeUndefined();
  });

  it("presumes a peer that owes more than the bound is not draining", () => {
    const drain = new DrainCheck(options);
    drain.sent(150);
    drain.startProbe(42, 0);
    expect(drain.sent(800)).toBe("ok");
    expect(drain.sent(100)).toBe("slow");
  });

  it("cannot be answered without the probe: a guessed clock proves nothing", () => {
    const drain = new DrainCheck({ probeAfterBytes: 100, maxUnreadBytes: 1_000 });
    drain.sent(200);
    const probe = drain.startProbe(42, 10);
    for (let guess = 11; guess < 1_000; guess++) if (guess !== probe.clock && guess !== probe.clock + 1) drain.received(42, guess);
    expect(drain.unread).toBe(200);
  });
});

describe("UnreadByUser", () => {
  it("sums what each user's sockets owe, and forgets a user who owes nothing", () => {
    const owed = new UnreadByUser();
    expect(owed.change("ada", 500)).toBe(500);
    expect(owed.change("ada", 700)).toBe(1_200);
    expect(owed.change("grace", 100)).toBe(100);
    // A probe answered, then a socket left with what it still owed.
    expect(owed.change("ada", -400)).toBe(800);
    expect(owed.change("ada", -800)).toBe(0);
    expect(owed.change("ada", 10)).toBe(10);
  });
});
