import type { PresenceUser } from "@collab/protocol";
import type { PresenceEntry } from "./presence-entries.ts";

/** Someone came into the room or went out of it. */
export interface PresenceChange {
  kind: "joined" | "left";
  user: PresenceUser;
}

/**
 * Who joined and who left between two presence lists, by account id: a second tab of someone already here
 * is not a join, and closing one of their tabs is not a leave (only the last one is). Yourself is never news.
 * Joins come first, each group in the order of its list.
 *
 * @example
 * presenceChanges(before, after) // [{ kind: "joined", user: { id: "u2", name: "Ada", ... } }]
 */
export function presenceChanges(before: readonly PresenceEntry[], after: readonly PresenceEntry[]): PresenceChange[] {
  const others = (entries: readonly PresenceEntry[]) => new Map(entries.filter((e) => !e.isSelf).map((e) => [e.user.id, e.user]));
  const was = others(before);
  const is = others(after);
  const joined = [...is.values()].filter((user) => !was.has(user.id)).map((user) => ({ kind: "joined" as const, user }));
  const left = [...was.values()].filter((user) => !is.has(user.id)).map((user) => ({ kind: "left" as const, user }));
  return [...joined, ...left];
}

/**
 * Turns the presence list's successive values into join and leave events, only while the connection is up.
 *
 * The people already in the room when we connect are not news, and neither is everyone vanishing when our
 * own socket drops (the provider removes all peers' states then) and coming back when it reconnects. So
 * tracking starts (and restarts) from whoever is present once the room has synced, and stops when it drops.
 *
 * @example
 * const tracker = new JoinLeaveTracker();
 * tracker.start(entries);        // on sync: a baseline, no events
 * tracker.next(newerEntries);    // -> [{ kind: "left", user }]
 * tracker.stop();                // on disconnect: changes are ignored until the next start
 */
export class JoinLeaveTracker {
  /** Undefined while not tracking. */
  #last: readonly PresenceEntry[] | undefined;

  get tracking(): boolean {
    return this.#last !== undefined;
  }

  start(entries: readonly PresenceEntry[]): void {
    this.#last = entries;
  }

  stop(): void {
    this.#last = undefined;
  }

  next(entries: readonly PresenceEntry[]): PresenceChange[] {
    if (this.#last === undefined) return [];
    const changes = presenceChanges(this.#last, entries);
    this.#last = entries;
    return changes;
  }
}
