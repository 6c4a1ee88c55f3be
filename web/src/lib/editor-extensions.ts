import { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, indentWithTab } from "@codemirror/commands";
import {
  bracketMatching,
  foldGutter,
  foldKeymap,
  indentOnInput,
} from "@codemirror/language";
import { gotoLine, highlightSelectionMatches, searchKeymap } from "@codemirror/search";
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
      // Go to line on Ctrl/Cmd+G as in VS Code (CodeMirror puts it on Mod-Alt-g and "find next" here; F3
      // and Enter in the search panel still find the next match).
      { key: "Mod-g", run: gotoLine, preventDefault: true },
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

/**
 * The editor's look, in the app's CSS variables (app.css), so it follows light and dark without being
 * rebuilt; only `EditorView.darkTheme` and the syntax colours switch (see editor-theme.ts).
 */
const editorTheme = EditorView.theme({
  "&": { height: "100%", fontSize: "14px", backgroundColor: "var(--surface)", color: "var(--text)" },
  ".cm-scroller": {
    fontFamily: "var(--font-mono)",
    lineHeight: "1.6",
  },
  // Room above the first line, where a remote cursor's name label would otherwise be clipped.
  ".cm-content": { paddingTop: "14px", paddingBottom: "40vh", caretColor: "var(--text)" },
  ".cm-cursor, .cm-dropCursor": { borderLeftColor: "var(--text)" },
  ".cm-gutters": { backgroundColor: "var(--gutter-bg)", borderRight: "1px solid var(--border)", color: "var(--gutter-text)" },
  ".cm-activeLine": { backgroundColor: "var(--active-line)" },
  ".cm-activeLineGutter": { backgroundColor: "var(--active-gutter)", color: "var(--text)" },
  "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground": { backgroundColor: "var(--selection)" },
  ".cm-selectionBackground": { backgroundColor: "var(--selection-unfocused)" },
  ".cm-selectionMatch": { backgroundColor: "var(--match)" },
  ".cm-searchMatch": { backgroundColor: "var(--match)", outline: "1px solid var(--warn-border)" },
  ".cm-searchMatch.cm-searchMatch-selected": { backgroundColor: "var(--selection)" },
  "&.cm-focused .cm-matchingBracket": { backgroundColor: "var(--selection-unfocused)", outline: "1px solid var(--accent)" },
  // The search and go-to-line panels, dressed like the app's forms rather than CodeMirror's grey default.
  ".cm-panels": { backgroundColor: "var(--surface)", color: "var(--text)", fontFamily: "var(--font-sans)" },
  ".cm-panels.cm-panels-top": { borderBottom: "1px solid var(--border)" },
  ".cm-panels.cm-panels-bottom": { borderTop: "1px solid var(--border)" },
  ".cm-panel.cm-search, .cm-panel.cm-goto-line": { padding: "8px 12px", fontSize: "13px" },
  ".cm-panel.cm-search label, .cm-panel.cm-goto-line label": { fontSize: "12px", color: "var(--muted)" },
  ".cm-textfield": {
    font: "inherit",
    fontSize: "13px",
    color: "var(--text)",
    backgroundColor: "var(--surface)",
    border: "1px solid var(--border)",
    borderRadius: "6px",
    padding: "3px 8px",
  },
  ".cm-textfield:focus": { outline: "none", borderColor: "var(--accent)", boxShadow: "0 0 0 3px var(--accent-ring)" },
  ".cm-button": {
    font: "inherit",
    fontSize: "12px",
    fontWeight: "600",
    color: "var(--text)",
    backgroundImage: "none",
    backgroundColor: "var(--surface)",
    border: "1px solid var(--border)",
    borderRadius: "6px",
    padding: "3px 10px",
  },
  ".cm-button:hover": { backgroundColor: "var(--hover)" },
  ".cm-panel button[name=close]": { color: "var(--muted)", fontSize: "18px", right: "8px" },
  ".cm-tooltip": { backgroundColor: "var(--surface)", color: "var(--text)", border: "1px solid var(--border)" },
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
