import { colorFor } from "@collab/protocol";
import { describe, expect, it } from "vitest";
import { presenceUserFor } from "./presence-user.ts";

describe("presenceUserFor", () => {
  it("publishes the account's id, display name and colour", () => {
    expect(presenceUserFor({ id: "u1", displayName: "Ada L.", color: "#4363d8" })).toEqual({
      id: "u1",
      name: "Ada L.",
      color: "#4363d8",
      colorLight: "#4363d833",
    });
  });

  it("falls back to the id's palette colour for anything but #rrggbb", () => {
    expect(presenceUserFor({ id: "u2", displayName: "Bob", color: "hsl(1 2% 3%)" }).color).toBe(colorFor("u2").color);
  });
});
