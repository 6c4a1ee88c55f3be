import { isDrawableCursor } from "@collab/protocol";
import { EditorView } from "@codemirror/view";
import type { Awareness } from "y-protocols/awareness";
import * as Y from "yjs";

/** The awareness field that says whom this client follows: their Yjs client id (see protocol/cursor.ts). */
export const FOLLOWING_FIELD = "following";

/** Input that means "I am looking around myself now": it ends following. Scrolls we cause fire none of these. */
const OWN_MOVES = ["keydown", "wheel", "touchmove", "pointerdown"] as const;

interface PeerState {
  user?: { id?: unknown; name?: unknown };
  cursor?: { head?: unknown } | null;
  following?: unknown;
}

/**
 * Following a collaborator, as in Live Share: this view scrolls to keep their cursor in sight until this
 * person types, scrolls, or clicks in the editor (or the followed person leaves). Whom we follow is
 * published in awareness (`following`: their client id), so they can see "Ada is following you"; names
 * come from the `user` field that the room rewrites from verified claims, never from the follower.
 *
 * @example
 * const follow = new Follow(doc.doc, doc.text, doc.awareness);
 * follow.attach(view);
 * follow.startUser(bobId);
 */
export class Follow {
  /** The followed client id, or undefined. */
  target = $state<number | undefined>();
  /** The followed person's user id (for the chip's pressed state). */
  targetUserId = $state<string | undefined>();
  /** Names of the people following this client, sorted, without repeats. */
  followers = $state.raw<string[]>([]);

  readonly #doc: Y.Doc;
  readonly #text: Y.Text;
  readonly #awareness: Awareness;
  #view: EditorView | undefined;

  constructor(doc: Y.Doc, text: Y.Text, awareness: Awareness) {
    this.#doc = doc;
    this.#text = text;
    this.#awareness = awareness;
    awareness.on("change", this.#onChange);
    this.#onChange();
  }

  /** The editor view to scroll; undefined when it goes away. */
  attach(view: EditorView | undefined): void {
    for (const type of OWN_MOVES) this.#view?.dom.removeEventListener(type, this.#onOwnMove, true);
    this.#view = view;
    for (const type of OWN_MOVES) view?.dom.addEventListener(type, this.#onOwnMove, { capture: true, passive: true });
    this.#reveal();
  }

  /** Follows the user's most recently active client (one with a cursor, if any); false if they have none. */
  startUser(userId: string): boolean {
    const clientId = this.#clientOf(userId);
    if (clientId === undefined) return false;
    this.target = clientId;
    this.targetUserId = userId;
    this.#awareness.setLocalStateField(FOLLOWING_FIELD, clientId);
    this.#reveal();
    return true;
  }

  stop(): void {
    if (this.target === undefined) return;
    this.target = undefined;
    this.targetUserId = undefined;
    this.#awareness.setLocalStateField(FOLLOWING_FIELD, null);
  }

  destroy(): void {
    this.attach(undefined);
    this.#awareness.off("change", this.#onChange);
  }

  #clientOf(userId: string): number | undefined {
    let fallback: number | undefined;
    for (const [clientId, state] of this.#awareness.getStates() as Map<number, PeerState>) {
      if (clientId === this.#doc.clientID || state.user?.id !== userId) continue;
      if (state.cursor) return clientId;
      fallback ??= clientId;
    }
    return fallback;
  }

  #onOwnMove = (): void => this.stop();

  /**
   * Scrolls only for changes to the followed client: a change of our own state (our cursor, published from
   * inside an editor update) must not dispatch into the editor while that update runs.
   */
  #onChange = (changes?: { added: number[]; updated: number[]; removed: number[] }): void => {
    const states = this.#awareness.getStates() as Map<number, PeerState>;
    const names = new Set<string>();
    for (const [clientId, state] of states) {
      if (clientId === this.#doc.clientID || state.following !== this.#doc.clientID) continue;
      if (typeof state.user?.name === "string") names.add(state.user.name);
    }
    const followers = [...names].sort();
    if (followers.join("\n") !== this.followers.join("\n")) this.followers = followers;
    if (this.target === undefined) return;
    if (!states.has(this.target)) this.stop();
    else if (changes?.added.includes(this.target) || changes?.updated.includes(this.target)) this.#reveal();
  };

  /** Scrolls just enough to keep the followed cursor in view (not to the centre on every keystroke). */
  #reveal(): void {
    const view = this.#view;
    if (!view || this.target === undefined) return;
    const state = this.#awareness.getStates().get(this.target) as PeerState | undefined;
    const cursor = state?.cursor;
    if (!cursor || !isDrawableCursor(cursor)) return;
    const position = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(cursor.head), this.#doc);
    if (!position || position.type !== this.#text) return;
    const at = Math.min(position.index, view.state.doc.length);
    view.dispatch({ effects: EditorView.scrollIntoView(at, { y: "nearest", yMargin: 80 }) });
  }
}
