import { describe, expect, it } from "vitest";
import { contrast, cursorColorsFor, parseHex } from "./cursor-colors.ts";

const PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#469990", "#9a6324", "#800000", "#808000", "#000075", "#c2185b", "#00897b"];

describe("cursorColorsFor", () => {
  it.each(PALETTE)("draws %s at 4.5:1 or better in both themes, with readable label text", (color) => {
    const dark = parseHex(cursorColorsFor(color, "dark").color)!;
    const light = parseHex(cursorColorsFor(color, "light").color)!;
    expect(contrast(dark, [22, 27, 34])).toBeGreaterThanOrEqual(4.5);
    expect(contrast(dark, [13, 17, 23])).toBeGreaterThanOrEqual(4.5); // the label's dark text
    expect(contrast(light, [255, 255, 255])).toBeGreaterThanOrEqual(4.5); // the editor, and the label's white text
  });

  it("keeps a colour that is already readable, and adds the selection tint", () => {
    expect(cursorColorsFor("#f58231", "dark")).toEqual({ color: "#f58231", colorLight: "#f5823159" });
  });

  it("returns what it cannot parse unchanged", () => {
    expect(cursorColorsFor("red", "light")).toEqual({ color: "red", colorLight: "red33" });
  });
});
