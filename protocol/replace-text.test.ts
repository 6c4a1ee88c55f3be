import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { seededRandom } from "../tools/testing/random.ts";
import { planReplace, replaceText } from "./replace-text.ts";

function textWith(content: string): { doc: Y.Doc; text: Y.Text } {
  const doc = new Y.Doc();
  const text = doc.getText("content");
  text.insert(0, content);
  return { doc, text };
}

function replaced(before: string, after: string): string {
  const { doc, text } = textWith(before);
  doc.transact(() => replaceText(text, after));
  return text.toString();
}

/** Random code-like lines from a small vocabulary, so that texts share lines as real edits do. */
function randomLines(random: ReturnType<typeof seededRandom>, count: number): string[] {
  const words = ["const", "let", "x", "y", "=", "return", "if", "(", ")", "{", "}", "foo", "bar", "🙂", "é", "\t"];
  return Array.from({ length: count }, () => Array.from({ length: 1 + random.int(8) }, () => random.pick(words)).join(" ") + "\n");
}

describe("replaceText", () => {
  it("turns any text into any other (seeded random edits)", () => {
    const random = seededRandom("replaceText");
    for (let round = 0; round < 300; round++) {
      const lines = randomLines(random, random.int(40));
      const next = [...lines];
      for (let edits = random.int(6); edits > 0; edits--) {
        const at = random.int(next.length + 1);
        const kind = random.int(3);
        if (kind === 0) next.splice(at, 0, ...randomLines(random, 1 + random.int(3)));
        else if (kind === 1) next.splice(at, 1 + random.int(3));
        else if (next[at]) next[at] = next[at]!.slice(0, random.int(next[at]!.length)) + random.pick(["z", "🙃", ""]) + "\n";
      }
      const before = lines.join("");
      const after = next.join("") + (random.int(2) ? "tail without newline" : "");
      expect(replaced(before, after), `seed ${random.seed}, round ${round}`).toBe(after);
    }
  });

  it("keeps the unchanged regions' identity: a cursor in them stays put", () => {
    const before = "line one\nline two\nline three\n";
    const { doc, text } = textWith(before);
    const atThree = Y.createRelativePositionFromTypeIndex(text, before.indexOf("three"));
    doc.transact(() => replaceText(text, "line zero\nline one\nline 2\nline three\n"));
    expect(Y.createAbsolutePositionFromRelativePosition(atThree, doc)?.index).toBe(text.toString().indexOf("three"));
  });

  it("is a small edit for a small change in a large text", () => {
    const before = "x".repeat(200_000) + "middle" + "y".repeat(200_000);
    const edits = planReplace(before, before.replace("middle", "centre"));
    expect(edits.reduce((sum, edit) => sum + edit.deleteCount + edit.insert.length, 0)).toBeLessThanOrEqual(12);
  });

  it("never splits a surrogate pair (half of one would be stored as U+FFFD)", () => {
    expect(replaced("a🙂b", "a🙃b")).toBe("a🙃b");
    expect(replaced("🙂", "🙃")).toBe("🙃");
    for (const edit of planReplace("x😀y", "x😃y")) expect(edit.insert).toBe("😃");
  });

  it("replaces 500,000 unrelated characters in bounded time (no quadratic diff)", () => {
    const random = seededRandom("replaceText 500k");
    const lines = (n: number) => Array.from({ length: n }, () => random.int(1e9).toString(36) + " " + random.int(1e9) + "\n").join("");
    const before = lines(20_000).slice(0, 500_000);
    // Mostly different lines, with some shared ones scattered through: the worst case for a line diff.
    const after = (lines(10_000) + before.slice(100_000, 200_000) + lines(10_000)).slice(0, 500_000);
    const started = performance.now();
    expect(replaced(before, after)).toBe(after);
    const elapsed = performance.now() - started;
    console.log(`500,000-character replace: ${elapsed.toFixed(1)} ms`);
    // The old character diff took seconds for 30,000 characters; generous for a loaded machine.
    expect(elapsed).toBeLessThan(1_000);
  });

  it("plans no edit for equal texts, and one edit for an insert into empty", () => {
    expect(planReplace("same", "same")).toEqual([]);
    expect(planReplace("", "new")).toEqual([{ index: 0, deleteCount: 0, insert: "new" }]);
  });
});
