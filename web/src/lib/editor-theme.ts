import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import type { Extension } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { tags } from "@lezer/highlight";
import type { ThemeName } from "./theme.svelte.ts";

/** One palette per theme, each colour at 4.5:1 or better on that theme's editor and its active line. */
interface SyntaxPalette {
  keyword: string;
  name: string;
  property: string;
  func: string;
  constant: string;
  definition: string;
  type: string;
  literal: string;
  operator: string;
  comment: string;
  heading: string;
  string: string;
  invalid: string;
}

/**
 * Light: CodeMirror's default style misses AA in places (numbers #164 and types #085 on the active line,
 * comments #940), so the light theme has its own, GitHub-like.
 */
const LIGHT: SyntaxPalette = {
  keyword: "#cf222e", name: "#1f2328", property: "#0550ae", func: "#8250df", constant: "#0550ae", definition: "#953800",
  type: "#953800", literal: "#0550ae", operator: "#cf222e", comment: "#57606a", heading: "#0550ae", string: "#0a3069", invalid: "#82071e",
};

/** Dark: on the editor's dark surface (#161b22); the default style's blues and purples are unreadable there. */
const DARK: SyntaxPalette = {
  keyword: "#ff7b72", name: "#e6edf3", property: "#79c0ff", func: "#d2a8ff", constant: "#79c0ff", definition: "#ffa657",
  type: "#ffa657", literal: "#79c0ff", operator: "#ff7b72", comment: "#8b949e", heading: "#79c0ff", string: "#a5d6ff", invalid: "#f85149",
};

function highlightStyleFor(c: SyntaxPalette): HighlightStyle {
  return HighlightStyle.define([
    { tag: tags.keyword, color: c.keyword },
    { tag: [tags.name, tags.deleted, tags.character, tags.macroName], color: c.name },
    { tag: [tags.propertyName], color: c.property },
    { tag: [tags.function(tags.variableName), tags.labelName], color: c.func },
    { tag: [tags.color, tags.constant(tags.name), tags.standard(tags.name)], color: c.constant },
    { tag: [tags.definition(tags.name), tags.separator], color: c.definition },
    { tag: [tags.typeName, tags.className, tags.changed, tags.annotation, tags.modifier, tags.self, tags.namespace], color: c.type },
    { tag: [tags.number, tags.bool, tags.atom, tags.special(tags.variableName)], color: c.literal },
    { tag: [tags.operator, tags.operatorKeyword, tags.url, tags.escape, tags.regexp, tags.link], color: c.operator },
    { tag: [tags.meta, tags.comment], color: c.comment, fontStyle: "italic" },
    { tag: tags.strong, fontWeight: "bold" },
    { tag: tags.emphasis, fontStyle: "italic" },
    { tag: tags.strikethrough, textDecoration: "line-through" },
    { tag: tags.link, textDecoration: "underline" },
    { tag: tags.heading, fontWeight: "bold", color: c.heading },
    { tag: [tags.string, tags.inserted, tags.special(tags.string)], color: c.string },
    { tag: tags.invalid, color: c.invalid },
  ]);
}

const lightHighlightStyle = highlightStyleFor(LIGHT);
const darkHighlightStyle = highlightStyleFor(DARK);

/**
 * What changes in the editor between light and dark, swapped through a compartment. Everything else
 * (backgrounds, gutters, panels, selections) reads the app's CSS variables and follows on its own.
 * `EditorView.darkTheme` tells CodeMirror's base theme (and y-codemirror's) which of their variants to use.
 */
export function editorThemeFor(name: ThemeName): Extension {
  const dark = name === "dark";
  return [
    EditorView.darkTheme.of(dark),
    syntaxHighlighting(dark ? darkHighlightStyle : lightHighlightStyle, { fallback: true }),
    // Remote cursors' colours are lightened in dark (cursor-colors.ts): their labels take dark text there.
    EditorView.theme({ ".cm-ySelectionInfo": { color: dark ? "#0d1117" : "#fff" } }),
  ];
}
