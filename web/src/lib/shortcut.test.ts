import { describe, expect, it } from "vitest";
import { isPanelShortcut } from "./shortcut.ts";

/** A keydown as a browser reports it; `altGraph` is what `getModifierState("AltGraph")` answers. */
function key(code: string, modifiers: { ctrl?: boolean; meta?: boolean; alt?: boolean; shift?: boolean; altGraph?: boolean }): KeyboardEvent {
  return {
    code,
    ctrlKey: !!modifiers.ctrl,
    metaKey: !!modifiers.meta,
    altKey: !!modifiers.alt,
    shiftKey: !!modifiers.shift,
    getModifierState: (name: string) => name === "AltGraph" && !!modifiers.altGraph,
  } as KeyboardEvent;
}

describe("isPanelShortcut", () => {
  it("takes Ctrl+Alt and ⌘⌥ with the physical key", () => {
    expect(isPanelShortcut(key("KeyH", { ctrl: true, alt: true }), "KeyH")).toBe(true);
    expect(isPanelShortcut(key("KeyH", { meta: true, alt: true }), "KeyH")).toBe(true);
  });

  it("leaves other keys, Shift, a missing modifier and AltGr (Windows reports it as Ctrl+Alt) alone", () => {
    expect(isPanelShortcut(key("KeyB", { ctrl: true, alt: true }), "KeyH")).toBe(false);
    expect(isPanelShortcut(key("KeyH", { ctrl: true, alt: true, shift: true }), "KeyH")).toBe(false);
    expect(isPanelShortcut(key("KeyH", { ctrl: true }), "KeyH")).toBe(false);
    expect(isPanelShortcut(key("KeyH", { alt: true }), "KeyH")).toBe(false);
    expect(isPanelShortcut(key("KeyH", { ctrl: true, alt: true, altGraph: true }), "KeyH")).toBe(false);
  });
});
