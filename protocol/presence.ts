/**
 * What each client publishes in its awareness state under the `user` field. y-codemirror.next reads
 * `name`, `color` and `colorLight` from there to draw remote cursors and selections.
 */
export interface PresenceUser {
  /** Stable per browser (and per account once accounts exist). */
  id: string;
  name: string;
  /** Cursor and label colour, `#rrggbb`. */
  color: string;
  /** The same colour with alpha, for remote selections. */
  colorLight: string;
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
  return { color, colorLight: `${color}33` };
}
