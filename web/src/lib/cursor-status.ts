import { indentUnit, getIndentUnit } from "@codemirror/language";
import type { EditorState } from "@codemirror/state";

/** What the status bar shows about the caret: 1-based line and column, and how much is selected. */
export interface CursorStatus {
  line: number;
  column: number;
  /** Characters selected, over all selection ranges. */
  selected: number;
  /** Ranges in the selection (more than one with multiple cursors). */
  ranges: number;
  /** "Spaces: 2" or "Tabs". */
  indentation: string;
}

export function cursorStatus(state: EditorState): CursorStatus {
  const main = state.selection.main;
  const line = state.doc.lineAt(main.head);
  const selected = state.selection.ranges.reduce((sum, range) => sum + (range.to - range.from), 0);
  const unit = state.facet(indentUnit);
  return {
    line: line.number,
    column: main.head - line.from + 1,
    selected,
    ranges: state.selection.ranges.length,
    indentation: unit.includes("\t") ? "Tabs" : `Spaces: ${getIndentUnit(state)}`,
  };
}
