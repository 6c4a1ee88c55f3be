import { colorFor } from "@collab/protocol";
import { describe, expect, it } from "vitest";
import { presenceEntries } from "./presence-entries.ts";

const user = (id: string, name: string) => ({ user: { id, name, ...colorFor(id) } });

describe("presenceEntries", () => {
  it("merges one user's tabs, puts yourself first, then sorts by name", () => {
    const entries = presenceEntries([user("b", "Zoe"), user("me", "Me"), user("c", "Ann"), user("b", "Zoe")], "me");
    expect(entries.map((e) => [e.user.name, e.isSelf, e.connections])).toEqual([
      ["Me", true, 1],
      ["Ann", false, 1],
      ["Zoe", false, 2],
    ]);
  });

  it("skips states without a well-formed user (not yet named, or junk from a peer)", () => {
    const states = [{}, { user: null }, { user: { id: "x" } }, { user: { id: "", name: "No id" } }, user("a", "Ann")];
    expect(presenceEntries(states, "me").map((e) => e.user.id)).toEqual(["a"]);
  });

  it("replaces a colour that is not plain hex, so it cannot inject CSS", () => {
    const [entry] = presenceEntries([{ user: { id: "a", name: "A", color: "red;background:url(x)", colorLight: "" } }], "me");
    expect(entry?.user.color).toBe("#888888");
  });
});
