import type { Awareness } from "y-protocols/awareness";

/**
 * A restore, as the restorer's client announces it in its awareness state under `restored` (issue 11: "a
 * restore by someone else appears live for everyone"). Awareness rather than a room broadcast: it reaches
 * everyone in the room live with no new message type, and the name shown next to it is the `user` the room
 * rewrote from the sender's verified room token (party/awareness-guard.ts), so nobody can pose as someone
 * else. The rest is the sender's word, like their cursor: a label, bounded here and shown as text.
 */
export interface RestoreAnnouncement {
  /** The "restore" version the restore recorded: one notice per restore, however often the state is re-sent. */
  versionId: string;
  /** How the restored version is called, e.g. "the version from 10:42". */
  label: string;
  /** The sender's clock (ms): a state still lingering from an old restore is not news to someone who joins later. */
  at: number;
}

export const RESTORED_FIELD = "restored";
const MAX_LABEL = 120;

export function announceRestore(awareness: Awareness, announcement: RestoreAnnouncement): void {
  awareness.setLocalStateField(RESTORED_FIELD, { ...announcement, label: announcement.label.slice(0, MAX_LABEL) });
}

/** The announcement in a peer's awareness state, if it is well-formed. */
export function announcementIn(state: unknown): RestoreAnnouncement | undefined {
  const value = isRecord(state) ? state[RESTORED_FIELD] : undefined;
  if (!isRecord(value)) return undefined;
  const { versionId, label, at } = value;
  if (typeof versionId !== "string" || versionId.length > 64 || typeof label !== "string" || typeof at !== "number") return undefined;
  return { versionId, label: label.slice(0, MAX_LABEL), at };
}

export interface RestoreSeen {
  versionId: string;
  /** The sender's verified name and colour (from their `user` field). */
  name: string;
  color: string;
  label: string;
}

/**
 * Restores announced by OTHER clients since the last call: each restore once (by its version id, recorded in
 * `shown`), and none older than `maxAgeMs` by the sender's clock (generous: clocks differ).
 */
export function newRestores(states: ReadonlyMap<number, unknown>, selfClientId: number, shown: Set<string>, now = Date.now(), maxAgeMs = 120_000): RestoreSeen[] {
  const seen: RestoreSeen[] = [];
  for (const [clientId, state] of states) {
    if (clientId === selfClientId) continue;
    const announcement = announcementIn(state);
    if (!announcement || shown.has(announcement.versionId)) continue;
    shown.add(announcement.versionId);
    if (now - announcement.at > maxAgeMs) continue;
    const user = isRecord(state) && isRecord(state.user) ? state.user : {};
    seen.push({
      versionId: announcement.versionId,
      name: typeof user.name === "string" ? user.name : "Someone",
      color: typeof user.color === "string" ? user.color : "#6b7280",
      label: announcement.label,
    });
  }
  return seen;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
