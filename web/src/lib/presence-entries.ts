import type { PresenceUser } from "@collab/protocol";

/** One person in the room: all their tabs merged into one entry. */
export interface PresenceEntry {
  user: PresenceUser;
  /** This browser's own user (any of its tabs). */
  isSelf: boolean;
  /** How many connections (tabs) this user has in the room. */
  connections: number;
}

/**
 * The presence list for a set of awareness states: states without a well-formed `user` are skipped, states
 * of the same user id are merged (same person, several tabs), yourself first, then by name.
 *
 * @example
 * presenceEntries(awareness.getStates().values(), identity.id)
 */
export function presenceEntries(states: Iterable<Record<string, unknown>>, selfId: string): PresenceEntry[] {
  const byId = new Map<string, PresenceEntry>();
  for (const state of states) {
    const user = presenceUserOf(state);
    if (!user) continue;
    const entry = byId.get(user.id);
    if (entry) entry.connections++;
    else byId.set(user.id, { user, isSelf: user.id === selfId, connections: 1 });
  }
  return [...byId.values()].sort(
    (a, b) => Number(b.isSelf) - Number(a.isSelf) || a.user.name.localeCompare(b.user.name),
  );
}

const COLOR = /^#[0-9a-f]{6}([0-9a-f]{2})?$/i;

/** `#rrggbb` or `#rrggbbaa`: safe in a style attribute, unlike a colour string from an untrusted peer. */
export function isHexColor(value: unknown): value is string {
  return typeof value === "string" && COLOR.test(value);
}

/**
 * The `user` field of an awareness state, if well-formed. Peers are untrusted: a colour that is not a plain
 * hex value could smuggle CSS into a style attribute, so such users get a neutral grey.
 */
function presenceUserOf(state: Record<string, unknown>): PresenceUser | undefined {
  const user = state.user;
  if (typeof user !== "object" || user === null) return undefined;
  const { id, name, color, colorLight } = user as Record<string, unknown>;
  if (typeof id !== "string" || typeof name !== "string" || !id || !name) return undefined;
  const safeColor = isHexColor(color) ? color : "#888888";
  const safeLight = isHexColor(colorLight) ? colorLight : "#88888833";
  return { id, name, color: safeColor, colorLight: safeLight };
}
