import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { isDrawableCursor, isFollowTarget } from "./cursor.ts";

describe("isDrawableCursor", () => {
  const doc = new Y.Doc();
  const text = doc.getText("content");
  text.insert(0, "hello");
  const real = JSON.parse(JSON.stringify({ anchor: Y.createRelativePositionFromTypeIndex(text, 1), head: Y.createRelativePositionFromTypeIndex(text, 5) }));

  it.each([
    ["no cursor", undefined],
    ["a cleared cursor", null],
    ["y-codemirror.next's cursor", real],
  ])("accepts %s", (_, cursor) => {
    expect(isDrawableCursor(cursor)).toBe(true);
  });

  it("accepts what y-codemirror.next can resolve", () => {
    expect(Y.createAbsolutePositionFromRelativePosition(real.anchor, doc)?.index).toBe(1);
  });

  it.each([
    ["a number", 5],
    ["a string", "here"],
    ["an array", [1, 2]],
    ["numbers for positions", { anchor: 5, head: 5 }],
    ["an anchor without a head", { anchor: real.anchor }],
    ["empty positions", { anchor: {}, head: {} }],
    ["all-null positions", { anchor: { type: null, tname: null, item: null, assoc: 0 }, head: real.head }],
    ["a string id", { anchor: { ...real.anchor, item: "1:2" }, head: real.head }],
    ["a negative clock", { anchor: { ...real.anchor, item: { client: 1, clock: -1 } }, head: real.head }],
    ["a nested object as clock", { anchor: { ...real.anchor, item: { client: 1, clock: { deep: 1 } } }, head: real.head }],
    ["a missing assoc", { anchor: { type: null, tname: "content", item: null }, head: real.head }],
    ["a long root name", { anchor: { ...real.anchor, tname: "x".repeat(65) }, head: real.head }],
  ])("refuses %s", (_, cursor) => {
    expect(isDrawableCursor(cursor)).toBe(false);
  });
});

describe("isFollowTarget", () => {
  it.each([null, undefined, 0, 12345, 2 ** 32])("accepts %j", (value) => {
    expect(isFollowTarget(value)).toBe(true);
  });
  it.each(["12", -1, 1.5, Number.MAX_VALUE, { client: 1 }, ["x".repeat(3000)]])("refuses %j", (value) => {
    expect(isFollowTarget(value)).toBe(false);
  });
});
