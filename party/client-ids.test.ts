import { describe, expect, it } from "vitest";
import { ClientIds } from "./client-ids.ts";

const alice1 = { key: 1, userId: "alice" };
const alice2 = { key: 2, userId: "alice" };
const mallory = { key: 3, userId: "mallory" };

describe("ClientIds", () => {
  it("binds a free id to the first connection, and refuses it to another user's", () => {
    const ids = new ClientIds({ maxPerConnection: 4 });
    expect(ids.claim(10, alice1, true)).toEqual({ ok: true, firstWrite: true });
    expect(ids.claim(10, alice1, true)).toEqual({ ok: true, firstWrite: false });
    expect(ids.claim(10, mallory)).toMatchObject({ ok: false, reason: "taken", ownerUserId: "alice" });
    expect(ids.ownerOf(10)).toEqual({ userId: "alice", live: true, clock: -1 });
  });

  it("lets the same user's new connection take an id over from the old one", () => {
    const ids = new ClientIds({ maxPerConnection: 4 });
    ids.claim(10, alice1);
    expect(ids.claim(10, alice2).ok).toBe(true);
    expect([...ids.idsOf(2)]).toEqual([10]);
    expect([...ids.idsOf(1)]).toEqual([]);
    // The old socket's late close does not free the id the new one holds.
    ids.release(1);
    expect(ids.ownerOf(10)?.live).toBe(true);
  });

  it("keeps a released id its user's: the user gets it back, nobody else does", () => {
    const ids = new ClientIds({ maxPerConnection: 4 });
    ids.claim(10, alice1);
    ids.acceptedClock(10, 5);
    ids.release(1);
    expect(ids.ownerOf(10)).toEqual({ userId: "alice", live: false, clock: 5 });
    expect(ids.claim(10, mallory)).toMatchObject({ ok: false, reason: "taken", clock: 5 });
    expect(ids.claim(10, alice2).ok).toBe(true);
  });

  it("caps the ids one connection may use", () => {
    const ids = new ClientIds({ maxPerConnection: 2 });
    expect(ids.claim(1, mallory).ok).toBe(true);
    expect(ids.claim(2, mallory).ok).toBe(true);
    expect(ids.claim(3, mallory)).toEqual({ ok: false, reason: "too-many", limit: 2 });
    expect(ids.claim(2, mallory).ok).toBe(true);
  });

  it("remembers restored writers across a restart, and does not record them again", () => {
    const ids = new ClientIds({ maxPerConnection: 4 });
    ids.restore(10, "alice");
    expect(ids.claim(10, mallory, true).ok).toBe(false);
    expect(ids.claim(10, alice1, true)).toEqual({ ok: true, firstWrite: false });
  });

  it("forgets the oldest released awareness-only ids past its bound, never writers", () => {
    const ids = new ClientIds({ maxPerConnection: 1, maxRemembered: 3 });
    ids.claim(100, alice1, true);
    ids.release(1);
    for (let id = 1; id <= 5; id++) {
      const conn = { key: 10 + id, userId: `user${id}` };
      ids.claim(id, conn);
      ids.release(conn.key);
    }
    expect([1, 2].map((id) => ids.ownerOf(id))).toEqual([undefined, undefined]);
    expect([3, 4, 5].map((id) => ids.ownerOf(id)?.userId)).toEqual(["user3", "user4", "user5"]);
    expect(ids.ownerOf(100)?.userId).toBe("alice");
  });
});
