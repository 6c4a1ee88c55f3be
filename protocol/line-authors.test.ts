import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { DocRoot } from "./doc-layout.ts";
import { lineAuthors, type WriterRecord } from "./line-authors.ts";

function writer(clientId: number): Y.Doc {
  const doc = new Y.Doc();
  doc.clientID = clientId;
  return doc;
}

function sync(from: Y.Doc, to: Y.Doc): void {
  Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)));
}

describe("lineAuthors", () => {
  it("names the user who last wrote on each line, by time, and 'earlier' for unrecorded text", () => {
    const [ada, bob, old] = [writer(1), writer(2), writer(3)];
    old.getText(DocRoot.content).insert(0, "old line\n");
    sync(old, ada);
    ada.getText(DocRoot.content).insert(ada.getText(DocRoot.content).length, "ada line\n");
    sync(ada, bob);
    bob.getText(DocRoot.content).insert(bob.getText(DocRoot.content).length, "bob line\n");
    // Bob edits Ada's line later: it becomes his.
    bob.getText(DocRoot.content).insert("old line\nada".length, "!");
    const records = new Map<number, WriterRecord>([
      [1, { userId: "ada", firstSeen: 1_000, stretches: [[0, 1_000]] }],
      [2, { userId: "bob", firstSeen: 2_000, stretches: [[0, 2_000], ["bob line\n".length, 9_000]] }],
    ]);
    expect(lineAuthors(bob, records)).toEqual([
      { userId: null, at: null },
      { userId: "bob", at: 9_000 },
      { userId: "bob", at: 2_000 },
      { userId: null, at: null },
    ]);
    expect(bob.getText(DocRoot.content).toString()).toBe("old line\nada! line\nbob line\n");
  });

  it("uses firstSeen for records kept before stretches existed, and ignores deleted text", () => {
    const doc = writer(7);
    const text = doc.getText(DocRoot.content);
    text.insert(0, "keep\ngone\n");
    text.delete(5, 5);
    expect(lineAuthors(doc, new Map([[7, { userId: "u7", firstSeen: 42 }]]))).toEqual([
      { userId: "u7", at: 42 },
      { userId: null, at: null },
    ]);
  });
});
