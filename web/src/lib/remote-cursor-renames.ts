import { ViewPlugin, type EditorView } from "@codemirror/view";
import { yRemoteSelections } from "y-codemirror.next";

/**
 * Makes a peer's cursor label follow their renames.
 *
 * y-codemirror.next (0.3.6, the latest) draws each remote cursor as a widget whose `eq` and `compare` look
 * only at the colour, so when a peer renames, CodeMirror judges the new widget equal to the old one and
 * keeps the old DOM, old name and all. The widget class is not exported, so this plugin takes it from the
 * first cursor decoration it sees and patches both methods to compare the name too. Remove it once upstream
 * compares names.
 */
export const remoteCursorRenames = ViewPlugin.define((view) => {
  patchCaretWidget(view);
  return { update: () => patchCaretWidget(view) };
});

interface CaretWidget {
  color: unknown;
  name: unknown;
}

let patched = false;

function patchCaretWidget(view: EditorView): void {
  if (patched) return;
  const decorations = view.plugin(yRemoteSelections)?.decorations;
  decorations?.between(0, view.state.doc.length, (_from, _to, decoration) => {
    const widget: unknown = decoration.spec.widget;
    if (!widget) return;
    const prototype = Object.getPrototypeOf(widget) as Record<string, unknown>;
    const same = function (this: CaretWidget, other: CaretWidget): boolean {
      return other.color === this.color && other.name === this.name;
    };
    prototype.eq = same;
    prototype.compare = same;
    patched = true;
    return false;
  });
}
