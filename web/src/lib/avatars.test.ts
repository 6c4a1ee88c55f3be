import { colorFor, type ActiveUser } from "@collab/protocol";
import { describe, expect, it } from "vitest";
import { avatarStack, initials, readableOn } from "./avatars.ts";

const user = (id: string, name: string, color = colorFor(id).color): ActiveUser => ({ id, name, color, connections: 1 });

describe("avatarStack", () => {
  it("puts yourself first, then sorts by name", () => {
    const { shown, hidden } = avatarStack([user("b", "Zoe"), user("me", "Me"), user("c", "Ann")], "me");
    expect(shown.map((a) => [a.user.name, a.isSelf])).toEqual([["Me", true], ["Ann", false], ["Zoe", false]]);
    expect(hidden).toEqual([]);
  });

  it.each([
    [4, 4, 0],
    [5, 5, 0], // "+1" would take an avatar's room: show the fifth instead
    [6, 4, 2],
    [12, 4, 8],
  ])("%i people: %i shown, %i behind +N", (count, shown, hidden) => {
    const users = Array.from({ length: count }, (_, i) => user(`u${i}`, `User ${String(i).padStart(2, "0")}`));
    const stack = avatarStack(users, undefined, 4);
    expect([stack.shown.length, stack.hidden.length]).toEqual([shown, hidden]);
  });

  it("replaces a colour that is not #rrggbb with the user's palette colour", () => {
    const [avatar] = avatarStack([user("a", "Ann", "red;background:url(x)")], undefined).shown;
    expect(avatar?.background).toBe(colorFor("a").color);
  });
});

describe("initials", () => {
  it.each([
    ["Ada Lovelace", "AL"],
    ["ada", "A"],
    ["  grace  brewster  hopper ", "GH"],
    ["Émilie du Châtelet", "ÉC"],
    ["🦊 Fox", "🦊F"],
    ["X", "X"],
    ["   ", "?"],
  ])("%j -> %s", (name, expected) => {
    expect(initials(name)).toBe(expected);
  });
});

describe("readableOn", () => {
  it("picks dark text on light colours and white on dark ones", () => {
    expect(readableOn("#42d4f4")).toBe("#111827"); // light cyan
    expect(readableOn("#ffffff")).toBe("#111827");
    expect(readableOn("#000075")).toBe("#ffffff"); // navy
    expect(readableOn("#e6194b")).toBe("#ffffff");
  });
});
