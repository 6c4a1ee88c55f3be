import { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, indentWithTab } from "@codemirror/commands";
import {
  bracketMatching,
  defaultHighlightStyle,
  foldGutter,
  foldKeymap,
  indentOnInput,
  syntaxHighlighting,
} from "@codemirror/language";
import { highlightSelectionMatches, searchKeymap } from "@codemirror/search";
import { EditorState, type Extension } from "@codemirror/state";
import {
  EditorView,
  crosshairCursor,
  drawSelection,
  dropCursor,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  rectangularSelection,
} from "@codemirror/view";
import { yUndoManagerKeymap } from "y-codemirror.next";

/**
 * The editor's setup, assembled by hand instead of `basicSetup`: `basicSetup` includes CodeMirror's own
 * `history()`, which would undo remote peers' edits too. Undo comes from the Y.UndoManager that
 * `yCollab` installs (bound here through `yUndoManagerKeymap`), which only tracks this client's edits.
 * Autocompletion is left out on purpose: without a language server its word list is mostly noise.
 */
export function editorExtensions(): Extension[] {
  return [
    lineNumbers(),
    highlightActiveLineGutter(),
    foldGutter(),
    highlightSpecialChars(),
    drawSelection(),
    dropCursor(),
    EditorState.allowMultipleSelections.of(true),
    indentOnInput(),
    syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
    bracketMatching(),
    closeBrackets(),
    rectangularSelection(),
    crosshairCursor(),
    highlightActiveLine(),
    highlightSelectionMatches(),
    keymap.of([
      ...closeBracketsKeymap,
      ...yUndoManagerKeymap,
      ...defaultKeymap,
      ...searchKeymap,
      ...foldKeymap,
      indentWithTab,
    ]),
    editorTheme,
  ];
}

/**
 * What makes the editor read-only for viewers, swapped through a compartment when the role changes.
 * `readOnly` stops commands and input; `editable: false` also keeps the content from acting as a text
 * field (no on-screen keyboard, no caret), and the content stays focusable so a viewer can still select,
 * copy and search.
 */
export function readOnlyExtensions(readOnly: boolean): Extension[] {
  if (!readOnly) return [];
  return [EditorState.readOnly.of(true), EditorView.editable.of(false), EditorView.contentAttributes.of({ tabindex: "0" })];
}

const editorTheme = EditorView.theme({
  "&": { height: "100%", fontSize: "14px", backgroundColor: "#fff" },
  ".cm-scroller": {
    fontFamily: "var(--font-mono)",
    lineHeight: "1.6",
  },
  // Room above the first line, where a remote cursor's name label would otherwise be clipped.
  ".cm-content": { paddingTop: "14px", paddingBottom: "40vh" },
  ".cm-gutters": { backgroundColor: "#fafafa", borderRight: "1px solid var(--border)", color: "#9ca3af" },
  ".cm-activeLine": { backgroundColor: "#f5f7ff" },
  ".cm-activeLineGutter": { backgroundColor: "#eef1fb", color: "#4b5563" },
  // y-codemirror.next hides a remote cursor's name until hover; people should see who is typing where.
  // (EditorView.theme outranks the library's baseTheme, so this wins without !important.)
  ".cm-ySelectionInfo": {
    opacity: "1",
    fontFamily: "var(--font-sans)",
    fontSize: "11px",
    fontWeight: "600",
    padding: "1px 4px",
    borderRadius: "3px 3px 3px 0",
    top: "-1.4em",
  },
});
