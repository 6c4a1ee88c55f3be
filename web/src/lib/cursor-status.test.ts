import { indentUnit } from "@codemirror/language";
import { EditorSelection, EditorState } from "@codemirror/state";
import { describe, expect, it } from "vitest";
import { cursorStatus } from "./cursor-status.ts";

describe("cursorStatus", () => {
  const doc = "first line\n  second\nthird";

  it("gives 1-based line and column of the caret, and nothing selected", () => {
    const state = EditorState.create({ doc, selection: { anchor: 13 } });
    expect(cursorStatus(state)).toEqual({ line: 2, column: 3, selected: 0, ranges: 1, indentation: "Spaces: 2" });
  });

  it("counts selected characters over every range, and says how many ranges", () => {
    const state = EditorState.create({
      doc,
      selection: EditorSelection.create([EditorSelection.range(0, 5), EditorSelection.range(11, 19)], 1),
      extensions: EditorState.allowMultipleSelections.of(true),
    });
    expect(cursorStatus(state)).toMatchObject({ line: 2, column: 9, selected: 13, ranges: 2 });
  });

  it("reports tabs, or the configured number of spaces", () => {
    expect(cursorStatus(EditorState.create({ doc, extensions: indentUnit.of("\t") })).indentation).toBe("Tabs");
    expect(cursorStatus(EditorState.create({ doc, extensions: indentUnit.of("    ") })).indentation).toBe("Spaces: 4");
  });
});
