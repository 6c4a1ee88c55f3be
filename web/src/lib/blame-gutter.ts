import { Compartment, Prec, RangeSet, RangeSetBuilder, StateEffect, StateField, type Extension, type Text } from "@codemirror/state";
import { EditorView, GutterMarker, gutter } from "@codemirror/view";
import { describeBlame, initials, type BlameLine } from "./blame-lines.ts";
import { cursorColorsFor } from "./cursor-colors.ts";

/** New authors for every line of the document as it is now (blame-source.svelte.ts sends it). */
export const setBlame = StateEffect.define<readonly BlameLine[]>();

/**
 * One line's author: a bar in their colour on every line, and their name (initials on a phone) where a run
 * of their lines starts, as `git blame` views do. Both theme variants of the colour are set on the element
 * (cursor-colors.ts: 4.5:1 against the editor) and the theme picks one, so a theme switch redraws nothing.
 */
class BlameMarker extends GutterMarker {
  constructor(
    readonly line: BlameLine,
    readonly first: boolean,
  ) {
    super();
  }

  override eq(other: BlameMarker): boolean {
    return other.line.user?.id === this.line.user?.id && other.line.at === this.line.at && other.first === this.first;
  }

  override toDOM(): Node {
    const element = document.createElement("div");
    const { user } = this.line;
    element.className = `cm-blame${user ? "" : " cm-blame-earlier"}${this.first ? " cm-blame-first" : ""}`;
    element.dataset.author = user?.displayName ?? "";
    if (user) {
      element.style.setProperty("--blame-light", cursorColorsFor(user.color, "light").color);
      element.style.setProperty("--blame-dark", cursorColorsFor(user.color, "dark").color);
    }
    if (this.first) {
      const name = document.createElement("span");
      name.className = "cm-blame-name";
      name.textContent = user ? user.displayName : "earlier";
      const short = document.createElement("span");
      short.className = "cm-blame-initials";
      short.textContent = user ? initials(user.displayName) : "·";
      element.append(name, short);
    }
    // "3 minutes ago" is worded when the pointer arrives, not when the line was drawn.
    element.title = describeBlame(this.line);
    element.addEventListener("mouseenter", () => (element.title = describeBlame(this.line)));
    return element;
  }
}

/** Gives the gutter its width before the first authors arrive, so the text does not jump sideways. */
class Spacer extends GutterMarker {
  override toDOM(): Node {
    const element = document.createElement("div");
    element.className = "cm-blame cm-blame-spacer";
    return element;
  }
}

function markersFor(doc: Text, lines: readonly BlameLine[]): RangeSet<GutterMarker> {
  const builder = new RangeSetBuilder<GutterMarker>();
  // The empty line after a final newline has nothing anyone wrote: no marker, rather than "earlier".
  const count = Math.min(doc.lines - (doc.lines > 1 && doc.line(doc.lines).length === 0 ? 1 : 0), lines.length);
  for (let number = 1; number <= count; number++) {
    const line = lines[number - 1]!;
    const above = lines[number - 2];
    const first = !above || above.user?.id !== line.user?.id;
    builder.add(doc.line(number).from, doc.line(number).from, new BlameMarker(line, first));
  }
  return builder.finish();
}

/**
 * The markers, mapped through each edit until the next `setBlame`: a line typed in the meantime has none,
 * and the lines below it keep theirs (a list indexed by line number would shift them onto the wrong lines).
 */
const blameMarkers = StateField.define<RangeSet<GutterMarker>>({
  create: () => RangeSet.empty,
  update(markers, transaction) {
    for (const effect of transaction.effects) if (effect.is(setBlame)) return markersFor(transaction.state.doc, effect.value);
    return transaction.docChanged ? markers.map(transaction.changes) : markers;
  },
});

const blameTheme = EditorView.baseTheme({
  ".cm-blame-gutter .cm-gutterElement": { padding: "0" },
  ".cm-blame": {
    display: "flex",
    // Centred on the line: the name is smaller than the code beside it.
    alignItems: "center",
    boxSizing: "border-box",
    width: "9em",
    height: "100%",
    padding: "0 6px",
    borderLeft: "3px solid var(--blame-light, transparent)",
    color: "var(--blame-light, var(--muted))",
    fontFamily: "var(--font-sans)",
    fontSize: "11px",
    fontWeight: "600",
    cursor: "default",
  },
  ".cm-blame-name": { overflow: "hidden", whiteSpace: "nowrap", textOverflow: "ellipsis" },
  "&dark .cm-blame": { borderLeftColor: "var(--blame-dark, transparent)", color: "var(--blame-dark, var(--muted))" },
  ".cm-blame.cm-blame-earlier": { borderLeftColor: "var(--border)", color: "var(--muted)", fontWeight: "400", fontStyle: "italic" },
  ".cm-blame-initials": { display: "none" },
  // A phone keeps its width for the text: initials instead of names.
  "@media (max-width: 640px)": {
    ".cm-blame": { width: "2.6em", padding: "0 3px" },
    ".cm-blame-name": { display: "none" },
    ".cm-blame-initials": { display: "inline" },
  },
});

const blameGutter: Extension = [
  blameMarkers,
  blameTheme,
  // Leftmost, before the line numbers, where blame views put it.
  Prec.high(
    gutter({
      class: "cm-blame-gutter",
      markers: (view) => view.state.field(blameMarkers),
      initialSpacer: () => new Spacer(),
      domEventHandlers: {
        // A tap (a phone has no hover) puts the caret on the line; the status bar names its author.
        mousedown(view, line) {
          view.dispatch({ selection: { anchor: line.from } });
          return true;
        },
      },
    }),
  ),
];

const compartment = new Compartment();
const installed = new WeakSet<EditorView>();

/**
 * Shows or hides the blame gutter in `view`. Installed on first use (the editor does not carry it until
 * someone turns it on); hidden, it costs nothing.
 *
 * @example
 * showBlameGutter(view, true); view.dispatch({ effects: setBlame.of(lines) });
 */
export function showBlameGutter(view: EditorView, on: boolean): void {
  const extension = on ? blameGutter : [];
  if (installed.has(view)) view.dispatch({ effects: compartment.reconfigure(extension) });
  else {
    installed.add(view);
    view.dispatch({ effects: StateEffect.appendConfig.of(compartment.of(extension)) });
  }
}
