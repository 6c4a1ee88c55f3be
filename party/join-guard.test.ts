import { describe, expect, it } from "vitest";
import { JoinGuard } from "./join-guard.ts";

describe("JoinGuard", () => {
  it("admits a burst of joins per user, then the refill rate, each user on their own budget", () => {
    let now = 0;
    const guard = new JoinGuard({ maxOpen: 100, maxRoom: 1_000, perSecond: 2, burst: 3, now: () => now });
    for (let i = 0; i < 3; i++) expect(guard.admit("ada").ok).toBe(true);
    expect(guard.admit("ada")).toEqual({ ok: false, reason: "over 2 joins a second of one user" });
    expect(guard.admit("grace").ok).toBe(true);
    now += 500;
    expect(guard.admit("ada").ok).toBe(true);
    expect(guard.admit("ada").ok).toBe(false);
  });

  it("bounds the sockets one user holds open, and counts one that left", () => {
    const guard = new JoinGuard({ maxOpen: 2, maxRoom: 1_000, perSecond: 100, burst: 100 });
    for (let i = 0; i < 2; i++) {
      expect(guard.admit("ada").ok).toBe(true);
      guard.joined("ada");
    }
    expect(guard.admit("ada")).toEqual({ ok: false, reason: "over 2 connections of one user in this room" });
    expect(guard.admit("grace").ok).toBe(true);
    guard.left("ada");
    expect(guard.admit("ada").ok).toBe(true);
  });

  it("a join refused for the open bound does not spend the user's rate budget", () => {
    let now = 0;
    const guard = new JoinGuard({ maxOpen: 1, maxRoom: 1_000, perSecond: 1, burst: 2, now: () => now });
    expect(guard.admit("ada").ok).toBe(true);
    guard.joined("ada");
    for (let i = 0; i < 10; i++) expect(guard.admit("ada").ok).toBe(false);
    guard.left("ada");
    expect(guard.admit("ada").ok).toBe(true);
  });

  it("forgets idle users once it keeps many, but not the sockets a user holds open", () => {
    let now = 0;
    const guard = new JoinGuard({ maxOpen: 1, maxRoom: 1_000, perSecond: 1, burst: 2, now: () => now });
    guard.admit("open");
    guard.joined("open");
    for (let i = 0; i < 999; i++) guard.admit(`user${i}`);
    expect(guard.users).toBe(1_000);
    now += 10_000;
    guard.admit("later");
    expect(guard.users).toBe(2);
    expect(guard.admit("open")).toEqual({ ok: false, reason: "over 1 connections of one user in this room" });
  });

  it("bounds the sockets of the whole room, whoever holds them", () => {
    const guard = new JoinGuard({ maxOpen: 2, maxRoom: 3, perSecond: 100, burst: 100 });
    for (const user of ["ada", "ada", "grace"]) {
      expect(guard.admit(user).ok).toBe(true);
      guard.joined(user);
    }
    expect(guard.admit("linus")).toEqual({ ok: false, reason: "the room is full (3 connections)" });
    guard.left("ada");
    expect(guard.admit("linus").ok).toBe(true);
  });
});
