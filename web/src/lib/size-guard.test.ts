import { EditorState } from "@codemirror/state";
import { describe, expect, it } from "vitest";
import { documentSizeGuard, utf8Bytes } from "./size-guard.ts";

describe("documentSizeGuard", () => {
  const refusals: string[] = [];
  const state = EditorState.create({ doc: "start\n", extensions: documentSizeGuard(1_000_000, (message) => refusals.push(message)) });

  it("lets a large paste within the limit through", () => {
    const next = state.update({ changes: { from: 6, insert: "x".repeat(800_000) } }).state;
    expect(next.doc.length).toBe(800_006);
    expect(refusals).toEqual([]);
  });

  it("refuses a paste that would pass the limit before it is applied, with a message", () => {
    const next = state.update({ changes: { from: 6, insert: "x".repeat(950_000) } }).state;
    expect(next.doc.toString()).toBe("start\n");
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatch(/not applied.*at most 0\.9 MB/);
  });

  it("counts UTF-8 bytes, not characters", () => {
    expect(utf8Bytes("aé€😀")).toBe(1 + 2 + 3 + 4);
  });
});
