import { EditorView, ViewPlugin, type PluginValue, type ViewUpdate } from "@codemirror/view";
import type { Extension } from "@codemirror/state";
import type { Awareness } from "y-protocols/awareness";

/** How long a remote cursor's name stays shown after that person typed or moved (as Google Docs does). */
export const CURSOR_ACTIVE_MS = 2_500;

/** What y-codemirror.next draws when a state has no `user` (its defaults). */
const DEFAULT_NAME = "Anonymous";
const DEFAULT_COLOR = "#30bced";

/**
 * Calm remote cursors: a name label shows while its person is active (their awareness changed: they typed,
 * moved or selected within {@link CURSOR_ACTIVE_MS}), then shrinks to a small flag on the caret; hovering the
 * caret shows the name again (the CSS is in {@link calmCursorTheme}). Labels cover the line above only while
 * someone is working there.
 *
 * y-codemirror.next draws the carets as widgets that carry only a colour and a name, and rebuilds them on every
 * awareness change. So this plugin marks idle carets in the DOM after each draw (`data-idle`), matching a caret
 * to its people by colour and name as drawn. Attribute changes inside widgets are ignored by CodeMirror's DOM
 * observer, so this never reads as an edit.
 *
 * @param awareness the awareness yCollab draws from (the same proxy, so colours match as recoloured for the theme)
 * @example
 * [yCollab(text, drawn, { undoManager }), calmCursorLabels(drawn)]
 */
export function calmCursorLabels(awareness: Awareness, activeMs = CURSOR_ACTIVE_MS): Extension {
  return [calmCursorTheme, ViewPlugin.define((view) => new CalmCursors(view, awareness, activeMs))];
}

class CalmCursors implements PluginValue {
  /** When each remote client last changed its state (ms). */
  readonly #lastActive = new Map<number, number>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly view: EditorView,
    readonly awareness: Awareness,
    readonly activeMs: number,
  ) {
    // People already here when the editor opens are shown once, then calm down.
    const now = Date.now();
    for (const clientId of awareness.getStates().keys()) if (clientId !== awareness.clientID) this.#lastActive.set(clientId, now);
    awareness.on("change", this.#onChange);
    this.#schedule();
  }

  update(update: ViewUpdate): void {
    // The remote-cursor plugin may have redrawn its carets (fresh DOM, no marks): mark them after the draw.
    if (update.docChanged || update.transactions.length > 0 || update.viewportChanged) this.#schedule();
  }

  destroy(): void {
    this.awareness.off("change", this.#onChange);
    clearTimeout(this.#timer);
  }

  readonly #onChange = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }): void => {
    const now = Date.now();
    for (const clientId of [...added, ...updated]) if (clientId !== this.awareness.clientID) this.#lastActive.set(clientId, now);
    for (const clientId of removed) this.#lastActive.delete(clientId);
    this.#schedule();
  };

  /** Marks the carets in the next write phase, after CodeMirror drew the widgets of this update. */
  #schedule(): void {
    this.view.requestMeasure({ key: this, read: () => undefined, write: () => this.#mark() });
  }

  #mark(): void {
    const now = Date.now();
    const states = this.awareness.getStates();
    const active = new Set<string>();
    let nextExpiry = Infinity;
    for (const [clientId, at] of this.#lastActive) {
      const until = at + this.activeMs;
      if (until <= now) continue;
      nextExpiry = Math.min(nextExpiry, until);
      const user = (states.get(clientId)?.user ?? {}) as { name?: unknown; color?: unknown };
      active.add(caretKey(normalColor(typeof user.color === "string" ? user.color : DEFAULT_COLOR), typeof user.name === "string" ? user.name : DEFAULT_NAME));
    }
    for (const caret of this.view.contentDOM.querySelectorAll<HTMLElement>(".cm-ySelectionCaret")) {
      const name = caret.querySelector(".cm-ySelectionInfo")?.textContent ?? "";
      const idle = !active.has(caretKey(caret.style.backgroundColor, name));
      if (caret.hasAttribute("data-idle") !== idle) caret.toggleAttribute("data-idle", idle);
    }
    clearTimeout(this.#timer);
    if (nextExpiry !== Infinity) this.#timer = setTimeout(() => this.#schedule(), nextExpiry - now + 20);
  }
}

const caretKey = (color: string, name: string) => `${color}\u0000${name}`;

/**
 * A colour as the browser writes it back (`#4363d8` reads as `rgb(67, 99, 216)` once the caret's style was
 * touched), so a state's colour and a drawn caret's compare equal.
 */
function normalColor(color: string): string {
  scratch ??= document.createElement("span");
  scratch.style.backgroundColor = "";
  scratch.style.backgroundColor = color;
  return scratch.style.backgroundColor;
}
let scratch: HTMLElement | undefined;

/**
 * The label's two shapes. Expanded: the name above the caret. Idle: a 6 px flag at the caret's top that
 * barely reaches into the line above; hovering the caret (or the flag) expands it. EditorView.theme outranks
 * the library's baseTheme, so no !important.
 */
const calmCursorTheme = EditorView.theme({
  ".cm-ySelectionInfo": {
    maxWidth: "16em",
    overflow: "hidden",
    textOverflow: "ellipsis",
    transition: "max-width .18s ease-out, top .18s ease-out, padding .18s ease-out",
  },
  ".cm-ySelectionCaret[data-idle] > .cm-ySelectionInfo": {
    width: "6px",
    maxWidth: "6px",
    height: "6px",
    top: "-3px",
    padding: "0",
    // The name stays in the DOM (screen readers, hover) but takes no room.
    fontSize: "0",
    borderRadius: "1px 1px 1px 0",
    cursor: "default",
  },
  ".cm-ySelectionCaret[data-idle]:hover > .cm-ySelectionInfo": {
    width: "auto",
    maxWidth: "16em",
    height: "auto",
    top: "-1.4em",
    padding: "1px 4px",
    fontSize: "11px",
  },
  // The flag is the caret's tip now; the library's round dot would sit on top of it.
  ".cm-ySelectionCaret[data-idle] > .cm-ySelectionCaretDot": { display: "none" },
});
