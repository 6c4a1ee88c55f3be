/**
 * What each client publishes in its awareness state under the `user` field. y-codemirror.next reads
 * `name`, `color` and `colorLight` from there to draw remote cursors and selections.
 */
export interface PresenceUser {
  /** The account's user id (the room token's `sub`): all of a user's tabs share it. */
  id: string;
  name: string;
  /** Cursor and label colour, `#rrggbb`. */
  color: string;
  /** The same colour with alpha, for remote selections: always {@link lightColor} of `color`. */
  colorLight: string;
}

/**
 * The selection colour for a cursor colour: the same `#rrggbb` at 20% opacity. The one place it is derived
 * (the room stamps it into awareness states, the web client into its own).
 *
 * @example
 * lightColor("#e6194b"); // "#e6194b33"
 */
export function lightColor(color: string): string {
  return `${color}33`;
}

const PALETTE = [
  "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6",
  "#469990", "#9a6324", "#800000", "#808000", "#000075", "#c2185b", "#00897b",
] as const;

/** A colour that stays the same for the same key (user id), so people keep their colour across sessions. */
export function colorFor(key: string): { color: string; colorLight: string } {
  let hash = 2166136261;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 16777619);
  const color = PALETTE[(hash >>> 0) % PALETTE.length]!;
  return { color, colorLight: lightColor(color) };
}
