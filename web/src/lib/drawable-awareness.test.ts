import { describe, expect, it } from "vitest";
import { Awareness } from "y-protocols/awareness";
import * as Y from "yjs";
import { drawableAwareness, drawableStates } from "./drawable-awareness.ts";

describe("drawableStates", () => {
  const doc = new Y.Doc();
  const text = doc.getText("content");
  text.insert(0, "hello");
  const position = JSON.parse(JSON.stringify(Y.createRelativePositionFromTypeIndex(text, 2)));
  const good = { user: { name: "Ada", color: "#123456" }, cursor: { anchor: position, head: position } };

  it("keeps drawable states and states without a cursor", () => {
    const states = new Map<number, Record<string, unknown>>([[1, good], [2, { user: good.user }]]);
    expect(drawableStates(states)).toEqual(states);
  });

  it.each([
    ["numbers", { anchor: 5, head: 5 }],
    ["a string", "here"],
    ["empty positions", { anchor: {}, head: {} }],
  ])("leaves out a state whose cursor is %s", (_, cursor) => {
    const states = new Map<number, Record<string, unknown>>([[1, good], [2, { ...good, cursor }]]);
    expect([...drawableStates(states).keys()]).toEqual([1]);
  });

  it("drops a user it cannot label, keeping the cursor", () => {
    const states = new Map<number, Record<string, unknown>>([[2, { ...good, user: { name: { html: "<b>" }, color: 5 } }]]);
    expect(drawableStates(states).get(2)).toEqual({ ...good, user: undefined });
  });
});

describe("drawableAwareness", () => {
  it("is the same awareness for everything but getStates", () => {
    const awareness = new Awareness(new Y.Doc());
    const wrapped = drawableAwareness(awareness);
    wrapped.setLocalStateField("user", { name: "me", color: "#000000" });
    expect(awareness.getLocalState()).toEqual({ user: { name: "me", color: "#000000" } });
    expect(wrapped.doc).toBe(awareness.doc);
    expect(wrapped.clientID).toBe(awareness.clientID);
    awareness.destroy();
  });

  it("hands drawable states with a user to `recolor` (the theme's colours), and only those", () => {
    const awareness = new Awareness(new Y.Doc());
    awareness.setLocalStateField("user", { name: "me", color: "#000075" });
    const seen: unknown[] = [];
    const wrapped = drawableAwareness(awareness, (state) => {
      seen.push(state);
      return { ...state, user: { ...(state.user as object), color: "#8c8cc1" } };
    });
    expect(wrapped.getStates().get(awareness.clientID)).toEqual({ user: { name: "me", color: "#8c8cc1" } });
    expect(seen).toHaveLength(1);
    awareness.setLocalStateField("user", { name: 42 });
    expect(wrapped.getStates().get(awareness.clientID)).toEqual({ user: undefined });
    expect(seen).toHaveLength(1);
    awareness.destroy();
  });
});
