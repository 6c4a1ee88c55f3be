import { isDrawableCursor } from "@collab/protocol";
import type { Awareness } from "y-protocols/awareness";

/**
 * The awareness as y-codemirror.next's remote-cursor plugin should see it: only states it can draw.
 *
 * y-codemirror.next (0.3.x) hands every peer's `cursor.anchor` and `cursor.head` to
 * `Y.createAbsolutePositionFromRelativePosition` without checking them. One malformed state (a number, a
 * string, positions with missing fields) throws inside the editor's update, and from then on no remote
 * cursor draws, in every browser in the room, and again after a reload while that state lives. The room
 * refuses such states (`party/awareness-guard.ts`); this is the second line: `getStates()` leaves out a
 * state whose cursor fails {@link isDrawableCursor}, and a `user` that is not `{ name, color }` strings is
 * dropped so the plugin's defaults apply. Everything else (events, the local state) is the real awareness.
 *
 * @example
 * yCollab(text, drawableAwareness(awareness), { undoManager })
 */
export function drawableAwareness(awareness: Awareness, recolor?: (state: State) => State): Awareness {
  return new Proxy(awareness, {
    get(target, property) {
      if (property === "getStates") return () => drawableStates(target.getStates(), recolor);
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

type State = Record<string, unknown>;

/** `recolor` adjusts a drawable state for the current theme (see cursor-colors.ts). */
export function drawableStates(states: Map<number, State>, recolor: (state: State) => State = (state) => state): Map<number, State> {
  const drawable = new Map<number, State>();
  for (const [clientId, state] of states) {
    if (typeof state !== "object" || state === null || Array.isArray(state)) continue;
    if (!isDrawableCursor(state.cursor)) continue;
    drawable.set(clientId, isDrawableUser(state.user) ? recolor(state) : { ...state, user: undefined });
  }
  return drawable;
}

function isDrawableUser(user: unknown): boolean {
  if (user === undefined) return true;
  if (typeof user !== "object" || user === null) return false;
  const { name, color, colorLight } = user as Record<string, unknown>;
  return typeof name === "string" && typeof color === "string" && (colorLight === undefined || typeof colorLight === "string");
}
