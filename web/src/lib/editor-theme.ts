import { HighlightStyle, defaultHighlightStyle, syntaxHighlighting } from "@codemirror/language";
import type { Extension } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { tags } from "@lezer/highlight";
import type { ThemeName } from "./theme.svelte.ts";

/**
 * Syntax colours for the dark theme, each at 4.5:1 or better on the editor's dark surface (#161b22):
 * CodeMirror's default style is made for white and its blues and purples are unreadable on dark.
 */
const darkHighlightStyle = HighlightStyle.define([
  { tag: tags.keyword, color: "#ff7b72" },
  { tag: [tags.name, tags.deleted, tags.character, tags.macroName], color: "#e6edf3" },
  { tag: [tags.propertyName], color: "#79c0ff" },
  { tag: [tags.function(tags.variableName), tags.labelName], color: "#d2a8ff" },
  { tag: [tags.color, tags.constant(tags.name), tags.standard(tags.name)], color: "#79c0ff" },
  { tag: [tags.definition(tags.name), tags.separator], color: "#ffa657" },
  { tag: [tags.typeName, tags.className, tags.changed, tags.annotation, tags.modifier, tags.self, tags.namespace], color: "#ffa657" },
  { tag: [tags.number, tags.bool, tags.atom, tags.special(tags.variableName)], color: "#79c0ff" },
  { tag: [tags.operator, tags.operatorKeyword, tags.url, tags.escape, tags.regexp, tags.link], color: "#ff7b72" },
  { tag: [tags.meta, tags.comment], color: "#8b949e", fontStyle: "italic" },
  { tag: tags.strong, fontWeight: "bold" },
  { tag: tags.emphasis, fontStyle: "italic" },
  { tag: tags.strikethrough, textDecoration: "line-through" },
  { tag: tags.link, textDecoration: "underline" },
  { tag: tags.heading, fontWeight: "bold", color: "#79c0ff" },
  { tag: [tags.string, tags.inserted, tags.special(tags.string)], color: "#a5d6ff" },
  { tag: tags.invalid, color: "#f85149" },
]);

/**
 * What changes in the editor between light and dark, swapped through a compartment. Everything else
 * (backgrounds, gutters, panels, selections) reads the app's CSS variables and follows on its own.
 * `EditorView.darkTheme` tells CodeMirror's base theme (and y-codemirror's) which of their variants to use.
 */
export function editorThemeFor(name: ThemeName): Extension {
  const dark = name === "dark";
  return [
    EditorView.darkTheme.of(dark),
    syntaxHighlighting(dark ? darkHighlightStyle : defaultHighlightStyle, { fallback: true }),
    // Remote cursors' colours are lightened in dark (cursor-colors.ts): their labels take dark text there.
    EditorView.theme({ ".cm-ySelectionInfo": { color: dark ? "#0d1117" : "#fff" } }),
  ];
}
