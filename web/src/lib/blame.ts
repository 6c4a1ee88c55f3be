import type { UserSummary } from "@collab/protocol";
import type { EditorView } from "@codemirror/view";
import type * as Y from "yjs";
import { setBlame, showBlameGutter } from "./blame-gutter.ts";
import { BlameSource } from "./blame-source.svelte.ts";

export interface RunningBlame {
  /** The lines' authors, live (the status bar names the caret's). */
  source: BlameSource;
  /** Stops following edits and hides the gutter. */
  stop(): void;
}

/**
 * Turns the blame gutter on in `view` and keeps it live until `stop`. The editor page loads this module only
 * when someone turns blame on, so the editor's own chunk does not carry it.
 *
 * @example
 * const { startBlame } = await import("./blame.ts");
 * const blame = startBlame(view, session.doc, docId, self); // ... blame.stop();
 */
export function startBlame(view: EditorView, doc: Y.Doc, docId: string, self: UserSummary): RunningBlame {
  showBlameGutter(view, true);
  const source = new BlameSource({
    docId,
    doc,
    self,
    onLines: (lines) => {
      // The editor may be gone (the page leaving) by the time a recompute lands.
      if (view.dom.isConnected) view.dispatch({ effects: setBlame.of(lines) });
    },
  });
  return {
    source,
    stop() {
      source.destroy();
      if (view.dom.isConnected) showBlameGutter(view, false);
    },
  };
}
