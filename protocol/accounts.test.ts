import { describe, expect, it } from "vitest";
import { DisplayName, displayNameProblem } from "./accounts.ts";

describe("displayNameProblem", () => {
  it.each([
    ["Ada\u202E", "direction controls"],
    ["\u2067Ada", "direction controls"],
    ["Ada\u200E", "direction controls"],
    ["A\u200Bda", "invisible"],
    ["Ad\u200Da", "invisible"],
    ["\u200D👍", "invisible"],
    ["Ada\u2063", "invisible"],
    ["Ada\u00AD", "invisible"],
    ["\u3164", "invisible"],
    ["Ada\u{E0041}", "invisible"],
    ["a \uFE0F", "invisible"],
    ["Ada\u0085", "control characters"],
    [" \u00A0\u2003 ", "must not be empty"],
  ])("refuses %j", (name, message) => {
    expect(displayNameProblem(name)).toContain(message);
  });

  it.each([["Ada Lovelace"], ["Zoë"], ["❤️ Ada"], ["👩‍💻"], ["👨🏽‍💻 Bob"], ["🏳️‍🌈"], ["مرحبا"], ["שלום"], ["日本語"], ["Z\u0351a\u0322"]])("keeps %j", (name) => {
    expect(displayNameProblem(name)).toBeUndefined();
  });

  it("gives one message, and trims what it keeps", () => {
    expect(DisplayName.safeParse("   ").error?.issues.map((issue) => issue.message)).toEqual(["Display name must not be empty"]);
    expect(DisplayName.parse("  Ada  ")).toBe("Ada");
  });
});
