import { describe, expect, it } from "vitest";
import { colorFor, lightColor } from "./presence.ts";

describe("colours", () => {
  it("a user keeps the same palette colour, and its light colour is the one derivation", () => {
    expect(colorFor("ada")).toEqual(colorFor("ada"));
    expect(colorFor("ada").color).toMatch(/^#[0-9a-f]{6}$/);
    expect(colorFor("ada").colorLight).toBe(lightColor(colorFor("ada").color));
    expect(lightColor("#e6194b")).toBe("#e6194b33");
  });
});
