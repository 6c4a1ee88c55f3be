import { DocRoot, type AuthorshipWriter, type UserSummary } from "@collab/protocol";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { blameLines, describeBlame, initials, noteWriting, writersFrom } from "./blame-lines.ts";

const ada: UserSummary = { id: "u-ada", username: "ada", displayName: "Ada Lovelace", color: "#e6194b" };
const bob: UserSummary = { id: "u-bob", username: "bob", displayName: "Bob", color: "#3cb44b" };

function writer(clientId: number): Y.Doc {
  const doc = new Y.Doc();
  doc.clientID = clientId;
  return doc;
}

function sync(from: Y.Doc, to: Y.Doc): void {
  Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)));
}

function append(doc: Y.Doc, text: string): void {
  const content = doc.getText(DocRoot.content);
  content.insert(content.length, text);
}

describe("blameLines", () => {
  it("names the room's writers, this browser's own lines as the signed-in person, and unrecorded text as earlier", () => {
    const [old, adaDoc, mine] = [writer(1), writer(2), writer(3)];
    append(old, "older\n");
    sync(old, adaDoc);
    append(adaDoc, "ada\n");
    sync(adaDoc, mine);
    append(mine, "mine\n");
    const writers: AuthorshipWriter[] = [{ clientId: 2, user: ada, firstSeen: 1_000, stretches: [[0, 1_000]] }];
    const lines = blameLines(mine, writersFrom(writers), { clientId: 3, user: bob, stretches: [[0, 9_000]], since: 5_000 });
    expect(lines).toEqual([
      { user: null, at: null },
      { user: ada, at: 1_000 },
      { user: bob, at: 9_000 },
      { user: null, at: null },
    ]);
  });

  it("dates our text from before we watched (offline, or typed before turning blame on) no later than `since`", () => {
    const mine = writer(3);
    append(mine, "typed before\n");
    const stretches: [number, number][] = [];
    noteWriting(stretches, mine.getText(DocRoot.content).length, 20_000);
    append(mine, "typed after\n");
    const own = { clientId: 3, user: bob, stretches, since: 10_000 };
    expect(blameLines(mine, writersFrom([]), own).map((line) => line.at)).toEqual([10_000, 20_000, null]);
    // The room's record of our id, when it has one, comes first.
    const fromRoom = writersFrom([{ clientId: 3, user: bob, firstSeen: 2_000, stretches: [[0, 2_000]] }]);
    expect(blameLines(mine, fromRoom, own).map((line) => line.at)).toEqual([2_000, 20_000, null]);
  });

  it("costs little on a large document edited by many (the figure is printed)", () => {
    // 10,000 lines, then 3,000 small edits by three people at seeded random places: many short items.
    const docs = [writer(5), writer(6), writer(7)];
    for (let i = 0; i < 100; i++) append(docs[0]!, Array.from({ length: 100 }, (_, j) => `line ${i}.${j} of some code;\n`).join(""));
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let edit = 0; edit < 3_000; edit++) {
      const turn = Math.floor(edit / 30);
      const [from, to] = [docs[turn % 3]!, docs[(turn + 1) % 3]!];
      const text = from.getText(DocRoot.content);
      text.insert(Math.floor(random() * text.length), edit % 10 === 0 ? "x\n" : "y");
      if (edit % 30 === 29) sync(from, to);
    }
    const doc = docs[0]!;
    sync(docs[1]!, doc);
    sync(docs[2]!, doc);
    const writers = writersFrom([
      { clientId: 5, user: ada, firstSeen: 1, stretches: [[0, 1]] },
      { clientId: 6, user: bob, firstSeen: 2, stretches: [[0, 2], [500, 3]] },
    ]);
    const own = { clientId: 7, user: { ...bob, id: "u-me" }, stretches: [], since: 4 };
    blameLines(doc, writers, own);
    const started = performance.now();
    const lines = blameLines(doc, writers, own);
    console.log(`blameLines: ${lines.length} lines in ${(performance.now() - started).toFixed(1)} ms`);
    expect(lines).toHaveLength(10_301);
    // The last line is the empty one after the final newline: nobody wrote on it.
    expect(new Set(lines.map((line) => line.user?.id))).toEqual(new Set(["u-ada", "u-bob", "u-me", undefined]));
  });
});

describe("noteWriting", () => {
  it("starts a stretch at most every 5 s, like the room", () => {
    const stretches: [number, number][] = [];
    noteWriting(stretches, 0, 1_000);
    noteWriting(stretches, 4, 5_999);
    noteWriting(stretches, 9, 6_000);
    expect(stretches).toEqual([
      [0, 1_000],
      [9, 6_000],
    ]);
  });
});

describe("describeBlame and initials", () => {
  it("words the hover text and shortens names for a phone", () => {
    const now = Date.parse("2026-01-01T12:00:00Z");
    expect(describeBlame({ user: ada, at: now - 3 * 60_000 }, now)).toBe("Ada Lovelace, 3 minutes ago");
    expect(describeBlame({ user: null, at: null }, now)).toMatch(/^Earlier/);
    expect(initials("Ada Lovelace")).toBe("AL");
    expect(initials("Ada King Lovelace")).toBe("AL");
    expect(initials("bob")).toBe("BO");
    expect(initials("👩‍💻 Grace")).toBe("👩‍💻G");
    expect(initials("  ")).toBe("?");
  });
});
